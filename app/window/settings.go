package window

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/quiver-app/quiver/app"
	"github.com/quiver-app/quiver/app/autostart"
	"github.com/quiver-app/quiver/app/codex"
)

// settingsView is the Settings tab. Every change is saved at once and
// applied by the app without a restart (the proxy restarts itself on its
// new port or upstream).
type settingsView struct {
	u *ui
	// loading is set while widgets are filled from the State, so their
	// change callbacks do not save what was just read.
	loading bool

	strategy      *widget.Select
	warn          *widget.Slider
	warnLabel     *widget.Label
	notifications *widget.Check
	autoSwitch    *widget.Check
	proxyOn       *widget.Check
	listen        *widget.Entry
	proxyState    *widget.Label
	key           *widget.Label
	keyValue      string
	keyShown      bool
	showKey       *widget.Button
	autostart     *widget.Check
	chatgptURL    *widget.Entry
	issuerURL     *widget.Entry
	modelMap      *widget.Entry
	root          fyne.CanvasObject
}

func newSettingsView(u *ui) *settingsView {
	s := &settingsView{u: u}
	s.strategy = widget.NewSelect(app.Strategies, func(v string) {
		s.save("Rotation strategy", func(st *app.Settings) { st.Strategy = v })
	})
	s.warnLabel = widget.NewLabel("")
	s.warn = widget.NewSlider(50, 99)
	s.warn.Step = 1
	s.warn.OnChanged = func(v float64) { s.warnLabel.SetText(fmt.Sprintf("%d%%", int(v))) }
	s.warn.OnChangeEnded = func(v float64) {
		s.save("Warn threshold", func(st *app.Settings) { st.WarnPercent = v })
	}
	s.notifications = widget.NewCheck("Show notifications", func(on bool) {
		s.save("Notifications", func(st *app.Settings) { st.Notifications = on })
	})
	s.autoSwitch = widget.NewCheck("Switch auth.json to the best account when the active one is limited", func(on bool) {
		s.save("Auto-switch", func(st *app.Settings) { st.AutoSwitch = on })
	})
	s.proxyOn = widget.NewCheck("Run the rotating proxy", func(on bool) {
		if s.loading {
			return
		}
		u.run("Turning the proxy "+onOff(on), func(context.Context) error { return u.app.SetProxyEnabled(on) }, nil)
	})
	s.listen = widget.NewEntry()
	s.listen.OnSubmitted = func(string) { s.applyListen() }
	s.proxyState = widget.NewLabel("")
	s.proxyState.Wrapping = fyne.TextWrapWord
	s.key = widget.NewLabel("…")
	s.key.TextStyle.Monospace = true
	s.key.Truncation = fyne.TextTruncateEllipsis
	s.showKey = widget.NewButtonWithIcon("Show", theme.VisibilityIcon(), func() {
		s.keyShown = !s.keyShown
		s.showKeyValue()
	})
	copyKey := widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), func() {
		if s.keyValue != "" {
			u.fa.Clipboard().SetContent(s.keyValue)
			u.setStatus("Copied the proxy key to the clipboard.")
		}
	})
	regen := widget.NewButtonWithIcon("Regenerate…", theme.ViewRefreshIcon(), s.regenerateKey)
	s.autostart = widget.NewCheck("Start Quiver at login", func(on bool) {
		if s.loading {
			return
		}
		s.setAutostart(on)
	})
	s.chatgptURL = widget.NewEntry()
	s.chatgptURL.SetPlaceHolder(codex.DefaultChatGPTBaseURL)
	s.issuerURL = widget.NewEntry()
	s.issuerURL.SetPlaceHolder(codex.DefaultIssuer)
	s.chatgptURL.OnSubmitted = func(string) { s.applyUpstreams() }
	s.issuerURL.OnSubmitted = func(string) { s.applyUpstreams() }

	s.modelMap = widget.NewMultiLineEntry()
	s.modelMap.SetPlaceHolder("gpt-5.2-codex = gpt-5.3-codex")
	s.modelMap.SetMinRowsVisible(3)
	modelMapHelp := widget.NewLabel("One mapping a line: a model name a client asks for = the model the proxy sends. " +
		"Names may carry an effort suffix (gpt-5.3-codex-high); the proxy log says when a mapping applies.")
	modelMapHelp.Wrapping = fyne.TextWrapWord

	connectCodex := widget.NewButtonWithIcon("Connect Codex CLI", theme.LoginIcon(), s.connectCodex)
	connectOpenCode := widget.NewButtonWithIcon("Connect OpenCode", theme.LoginIcon(), s.connectOpenCode)
	backupBtn := widget.NewButtonWithIcon("Back up all accounts…", theme.UploadIcon(), u.showBackup)
	restoreBtn := widget.NewButtonWithIcon("Restore a backup…", theme.DownloadIcon(), u.showRestore)

	heading := func(t string) fyne.CanvasObject {
		return widget.NewLabelWithStyle(t, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	form := widget.NewForm(
		widget.NewFormItem("Rotation strategy", s.strategy),
		widget.NewFormItem("Warn at", container.NewBorder(nil, nil, nil, s.warnLabel, s.warn)),
		widget.NewFormItem("", s.notifications),
		widget.NewFormItem("", s.autoSwitch),
		widget.NewFormItem("", s.autostart),
	)
	proxy := widget.NewForm(
		widget.NewFormItem("", s.proxyOn),
		widget.NewFormItem("Listen on", container.NewBorder(nil, nil, nil, widget.NewButton("Apply", s.applyListen), s.listen)),
		widget.NewFormItem("", s.proxyState),
		widget.NewFormItem("Proxy key", container.NewBorder(nil, nil, nil, container.NewHBox(s.showKey, copyKey, regen), s.key)),
		widget.NewFormItem("Clients", container.NewHBox(connectCodex, connectOpenCode)),
		widget.NewFormItem("Model map", container.NewBorder(nil, nil, nil, widget.NewButton("Apply", s.applyModelMap), s.modelMap)),
		widget.NewFormItem("", modelMapHelp),
	)
	upstream := widget.NewForm(
		widget.NewFormItem("ChatGPT backend", s.chatgptURL),
		widget.NewFormItem("Sign-in issuer", s.issuerURL),
		widget.NewFormItem("", container.NewHBox(widget.NewButton("Apply", s.applyUpstreams),
			widget.NewLabel("empty = default; QUIVER_CHATGPT_BASE_URL / QUIVER_AUTH_ISSUER override"))),
	)
	s.root = container.NewVScroll(container.NewPadded(container.NewVBox(
		heading("General"), form,
		widget.NewSeparator(), heading("Proxy"), proxy,
		widget.NewSeparator(), heading("Upstream"), upstream,
		widget.NewSeparator(), heading("Backup"),
		widget.NewLabel("One encrypted file with every account and its tokens, protected by a passphrase."),
		container.NewHBox(backupBtn, restoreBtn),
		widget.NewSeparator(), heading("About"),
		widget.NewLabel(AboutText(u.app.Build())),
	)))
	s.show(u.state)
	return s
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// show fills the widgets from st without saving anything back.
func (s *settingsView) show(st app.State) {
	s.loading = true
	defer func() { s.loading = false }()
	set := st.Settings
	if s.strategy.Selected != set.Strategy {
		s.strategy.SetSelected(set.Strategy)
	}
	if s.warn.Value != set.WarnPercent {
		s.warn.SetValue(set.WarnPercent)
	}
	s.warnLabel.SetText(fmt.Sprintf("%d%%", int(set.WarnPercent)))
	s.notifications.SetChecked(set.Notifications)
	s.autoSwitch.SetChecked(set.AutoSwitch)
	s.proxyOn.SetChecked(set.ProxyEnabled)
	s.autostart.SetChecked(set.Autostart)
	if !s.focused(s.listen) && s.listen.Text != set.ProxyListen {
		s.listen.SetText(set.ProxyListen)
	}
	if !s.focused(s.chatgptURL) && s.chatgptURL.Text != set.ChatGPTBaseURL {
		s.chatgptURL.SetText(set.ChatGPTBaseURL)
	}
	if !s.focused(s.issuerURL) && s.issuerURL.Text != set.AuthIssuer {
		s.issuerURL.SetText(set.AuthIssuer)
	}
	if text := app.FormatModelMap(set.ModelMap); !s.focused(s.modelMap) && s.modelMap.Text != text {
		s.modelMap.SetText(text)
	}
	s.proxyState.SetText(ProxyText(st.Proxy, set.ProxyEnabled))
}

// ProxyText says what the proxy is doing; wanted is the setting.
func ProxyText(p app.ProxyStatus, wanted bool) string {
	switch {
	case p.Running:
		return "Listening on http://" + p.Listen
	case p.Err != "":
		return "Not running: " + p.Err
	case wanted:
		return "Not running yet"
	}
	return "Paused"
}

// save changes one setting (unless the widgets are being filled).
func (s *settingsView) save(what string, fn func(*app.Settings)) {
	if s.loading {
		return
	}
	if _, err := s.u.app.UpdateSettings(fn); err != nil {
		s.u.showError("Saving "+strings.ToLower(what), err)
		s.show(s.u.app.State())
		return
	}
	s.u.state.Settings = s.u.app.Settings()
	s.u.setStatus("%s saved.", what)
	s.u.render() // the warn threshold colours the bars
}

// restartProxy applies settings the running proxy was started with.
func (s *settingsView) restartProxy() error {
	s.u.app.RestartProxy()
	return nil
}

func (s *settingsView) applyListen() {
	addr := strings.TrimSpace(s.listen.Text)
	if err := ValidListen(addr); err != nil {
		s.u.showError("Changing the proxy address", err)
		return
	}
	if addr == s.u.app.Settings().ProxyListen {
		return
	}
	s.save("Proxy address", func(st *app.Settings) { st.ProxyListen = addr })
	s.u.run("Restarting the proxy on "+addr, func(context.Context) error { return s.restartProxy() }, nil)
}

func (s *settingsView) applyUpstreams() {
	chatgpt, issuer := strings.TrimSpace(s.chatgptURL.Text), strings.TrimSpace(s.issuerURL.Text)
	for _, v := range []string{chatgpt, issuer} {
		if err := ValidUpstream(v); err != nil {
			s.u.showError("Changing the upstream", err)
			return
		}
	}
	cur := s.u.app.Settings()
	if chatgpt == cur.ChatGPTBaseURL && issuer == cur.AuthIssuer {
		return
	}
	s.save("Upstream URLs", func(st *app.Settings) { st.ChatGPTBaseURL, st.AuthIssuer = chatgpt, issuer })
	s.u.run("Restarting the proxy with the new upstream", func(context.Context) error { return s.restartProxy() }, nil)
}

// applyModelMap saves the model map typed in the editor; the running
// proxy uses it from its next request.
func (s *settingsView) applyModelMap() {
	m, err := app.ParseModelMap(s.modelMap.Text)
	if err != nil {
		s.u.showError("Changing the model map", err)
		return
	}
	if maps.Equal(m, s.u.app.Settings().ModelMap) {
		return
	}
	s.u.run("Saving the model map", func(context.Context) error { return s.u.app.SetModelMap(m) }, func() {
		s.u.state.Settings = s.u.app.Settings()
		s.modelMap.SetText(app.FormatModelMap(m))
	})
}

// ValidListen accepts a loopback host:port: the proxy never listens on
// another interface.
func ValidListen(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port", addr)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return fmt.Errorf("port %q must be a number from 1 to 65535", port)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("the proxy listens on this machine only: use 127.0.0.1, not %q", host)
	}
	return nil
}

// ValidUpstream accepts "" (the default) or an http(s) URL.
func ValidUpstream(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", raw)
	}
	return nil
}

// loadKey reads the proxy key off the UI goroutine.
func (s *settingsView) loadKey() {
	s.u.background(func() {
		key, err := s.u.app.ProxyKey(s.u.ctx)
		s.u.do(func() {
			if err != nil {
				s.key.SetText("unavailable: " + err.Error())
				return
			}
			s.keyValue = key
			s.showKeyValue()
		})
	})
}

func (s *settingsView) showKeyValue() {
	if s.keyShown {
		s.key.SetText(s.keyValue)
		s.showKey.SetText("Hide")
	} else {
		s.key.SetText(codex.PreviewToken(s.keyValue))
		s.showKey.SetText("Show")
	}
}

func (s *settingsView) regenerateKey() {
	dialog.ShowConfirm("Regenerate the proxy key?", "Clients using the old key (Codex CLI, OpenCode) stop working\nuntil they get the new one: press Connect again afterwards.", func(ok bool) {
		if !ok {
			return
		}
		var key string
		s.u.run("Regenerating the proxy key", func(ctx context.Context) (err error) {
			if key, err = s.u.app.RegenerateProxyKey(ctx); err != nil {
				return err
			}
			return s.restartProxy()
		}, func() {
			s.keyValue = key
			s.showKeyValue()
		})
	}, s.u.win)
}

func (s *settingsView) connectCodex() {
	var res codex.ConnectResult
	s.u.run("Connecting the Codex CLI", func(ctx context.Context) error {
		var err error
		res, err = s.u.app.Connect(ctx, app.ClientCodex, false)
		return err
	}, func() { s.showConnected("Codex CLI", res) })
}

func (s *settingsView) connectOpenCode() {
	var res codex.ConnectResult
	s.u.run("Connecting OpenCode", func(ctx context.Context) error {
		var err error
		res, err = s.u.app.Connect(ctx, app.ClientOpenCode, false)
		return err
	}, func() { s.showConnected("OpenCode", res) })
}

func (s *settingsView) showConnected(client string, res codex.ConnectResult) {
	msg := client + " now sends its requests through Quiver's proxy.\n\nEdited " + res.Path
	if !res.Changed {
		msg = client + " was already connected (" + res.Path + ")."
	}
	if res.Backup != "" {
		msg += "\nThe previous file is kept as " + res.Backup
	}
	for _, w := range res.Warnings {
		msg += "\n\n" + wrapText(w)
	}
	dialog.ShowInformation("Connected "+client, msg, s.u.win)
}

// focused reports whether the user is typing in e.
func (s *settingsView) focused(e *widget.Entry) bool {
	return s.u.win != nil && s.u.win.Canvas().Focused() == e
}

// setAutostart adds or removes the login item; on failure the check box
// goes back to what is true.
func (s *settingsView) setAutostart(on bool) {
	s.u.setStatus("Turning start at login %s…", onOff(on))
	s.u.background(func() {
		err := s.u.app.SetAutostart(on)
		s.u.do(func() {
			if err != nil {
				s.u.setStatus("Start at login: %s", autostartProblem(err))
				s.show(s.u.app.State())
				return
			}
			s.u.setStatus("Start at login is %s.", onOff(on))
		})
	})
}

// autostartProblem explains a failed autostart change.
func autostartProblem(err error) string {
	if errors.Is(err, autostart.ErrTemporaryBinary) {
		return "This Quiver is a temporary build; install it (make install) to start it at login."
	}
	return err.Error()
}
