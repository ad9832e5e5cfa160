//go:build (linux && !android) || freebsd || netbsd || openbsd || dragonfly || solaris

package autostart

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// platformDirs finds the autostart directories from the environment:
// $XDG_CONFIG_HOME (default ~/.config) and $XDG_CONFIG_DIRS (default
// /etc/xdg); relative paths are ignored, as the specification says.
func platformDirs() (xdgDirs, error) {
	config, err := os.UserConfigDir()
	if err != nil {
		return xdgDirs{}, fmt.Errorf("finding the configuration directory: %w", err)
	}
	d := xdgDirs{user: filepath.Join(config, "autostart")}
	system := os.Getenv("XDG_CONFIG_DIRS")
	if system == "" {
		system = "/etc/xdg"
	}
	for _, dir := range strings.Split(system, ":") {
		if filepath.IsAbs(dir) {
			d.system = append(d.system, filepath.Join(dir, "autostart"))
		}
	}
	return d, nil
}

func enable(e Entry) error {
	d, err := platformDirs()
	if err != nil {
		return err
	}
	return d.enable(e)
}

func disable(e Entry) error {
	d, err := platformDirs()
	if err != nil {
		return err
	}
	return d.disable(e)
}

func status(e Entry) (State, error) {
	d, err := platformDirs()
	if err != nil {
		return State{}, err
	}
	return d.status(e)
}
