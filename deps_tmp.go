package main

import (
	_ "fyne.io/fyne/v2/app"
	_ "fyne.io/fyne/v2/widget"
	_ "fyne.io/fyne/v2/test"
	_ "fyne.io/fyne/v2/driver/desktop"
	_ "fyne.io/systray"
	_ "github.com/zalando/go-keyring"
	_ "golang.org/x/oauth2"
	_ "github.com/fsnotify/fsnotify"
	_ "github.com/gen2brain/beeep"
	_ "github.com/godbus/dbus/v5"
	_ "golang.org/x/crypto/scrypt"
	_ "golang.org/x/sync/singleflight"
	_ "golang.org/x/sys/unix"
)

func main() {}
