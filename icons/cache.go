package icons

import (
	"image/png"
	"sync"
)

// Cache remembers the last badge PNG, so the tray is updated only when the
// picture really changes. The zero value is ready; it is safe for
// concurrent use.
type Cache struct {
	mu  sync.Mutex // protects the fields below
	key Key
	png []byte // nil until the first call
	enc encoderBuffer
}

// encoderBuffer keeps the PNG encoder's buffers (most of them the
// compressor's) from one redraw to the next; it is used under Cache.mu.
type encoderBuffer struct{ buf *png.EncoderBuffer }

func (e *encoderBuffer) Get() *png.EncoderBuffer  { return e.buf }
func (e *encoderBuffer) Put(b *png.EncoderBuffer) { e.buf = b }

// PNG returns the badge b at size px as PNG, and whether it differs from the
// picture the previous call returned (true on the first call). When nothing
// visible changed it returns the same slice as before without drawing; the
// caller must not modify it.
func (c *Cache) PNG(b Badge, size int) (png []byte, changed bool) {
	k := b.Key(size)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.png != nil && k == c.key {
		return c.png, false
	}
	c.key, c.png = k, encodePNGWith(k.render(), &c.enc)
	return c.png, true
}
