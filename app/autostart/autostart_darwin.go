//go:build darwin && !ios

package autostart

import (
	"fmt"
	"os"
	"path/filepath"
)

func platformDir() (launchAgentDir, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the home directory: %w", err)
	}
	return launchAgentDir(filepath.Join(home, "Library", "LaunchAgents")), nil
}

func enable(e Entry) error {
	d, err := platformDir()
	if err != nil {
		return err
	}
	return d.enable(e)
}

func disable(e Entry) error {
	d, err := platformDir()
	if err != nil {
		return err
	}
	return d.disable(e)
}

func status(e Entry) (State, error) {
	d, err := platformDir()
	if err != nil {
		return State{}, err
	}
	return d.status(e)
}
