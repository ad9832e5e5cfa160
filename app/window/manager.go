package window

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"github.com/quiver-app/quiver/app"
)

// Manager owns Quiver's one window. Make it with New; its methods run on
// the UI goroutine.
type Manager struct {
	fa  fyne.App
	app *app.App
	log *slog.Logger
	do  func(func()) // fyne.Do; tests run updates themselves

	once        sync.Once
	ui          *ui  // nil until the first Show
	quitOnClose bool // the window is its process's only purpose
}

// QuitOnClose makes closing the window quit the Fyne app (for the window
// process) instead of hiding it. Call it before the first Show.
func (m *Manager) QuitOnClose() { m.quitOnClose = true }

// New prepares the window; nothing is shown or subscribed until Show.
func New(fa fyne.App, a *app.App, log *slog.Logger) *Manager {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Manager{fa: fa, app: a, log: log, do: fyne.Do}
}

// Show opens the window, or raises it when it is open. Closing the window
// hides it; Quiver keeps running.
func (m *Manager) Show() {
	m.once.Do(func() {
		w := m.fa.NewWindow("Quiver")
		m.ui = newUI(uiDeps{fa: m.fa, app: m.app, log: m.log, win: w, do: m.do, now: time.Now})
		w.SetContent(m.ui.content())
		w.Resize(fyne.NewSize(1000, 700))
		if m.quitOnClose {
			w.SetCloseIntercept(func() {
				m.ui.stop()
				m.fa.Driver().Quit() // not fa.Quit, which closes the window under a live pointer
			})
		} else {
			w.SetCloseIntercept(w.Hide)
		}
		m.ui.start(context.Background())
		m.ui.askAutostart()
	})
	m.ui.win.Show()
	m.ui.win.RequestFocus()
}

// Close ends the window's background work and closes it (Quiver is
// quitting).
func (m *Manager) Close() {
	if m.ui != nil {
		m.ui.stop()
		m.ui.win.Close()
	}
}
