package notify

import (
	"bytes"
	"fmt"
	"image/png"
	"sync"

	"github.com/gen2brain/beeep"
)

// beeepMu serializes sends through beeep, whose app name is a package
// variable that each send sets. It is the one piece of package-level state
// here, and exists only because beeep has it.
var beeepMu sync.Mutex

// Beeep is a Sender that shows desktop notifications with
// github.com/gen2brain/beeep: over D-Bus (org.freedesktop.Notifications) on
// Linux, falling back to notify-send and kdialog; the platform's own
// notifications elsewhere.
//
// A send blocks until the notification server answers.
type Beeep struct {
	AppName string // shown as the sender, e.g. "Quiver"
	Icon    []byte // PNG; empty or not a PNG means no icon
}

// Send shows one notification.
func (b Beeep) Send(title, body string) error {
	// beeep refuses a nil icon, and an undecodable PNG makes its D-Bus path
	// fail; an empty icon name shows the notification without one.
	var icon any = ""
	if len(b.Icon) > 0 {
		if _, err := png.DecodeConfig(bytes.NewReader(b.Icon)); err == nil {
			icon = b.Icon
		}
	}
	beeepMu.Lock()
	defer beeepMu.Unlock()
	beeep.AppName = b.AppName
	if err := beeep.Notify(title, body, icon); err != nil {
		return fmt.Errorf("showing desktop notification: %w", err)
	}
	return nil
}
