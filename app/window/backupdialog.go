package window

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/quiver-app/quiver/app/backup"
)

// defaultBackupPath is a dated file in the home directory.
func (u *ui) defaultBackupPath() string {
	home, err := os.UserHomeDir()
	if err != nil {
		home = "."
	}
	return filepath.Join(home, "quiver-backup-"+u.now().Format("2006-01-02")+".qvbackup")
}

// showBackup asks where to and with which passphrase, then backs up.
func (u *ui) showBackup() {
	path := widget.NewEntry()
	path.SetText(u.defaultBackupPath())
	pass, again := widget.NewPasswordEntry(), widget.NewPasswordEntry()
	pass.Validator = func(s string) error {
		if len([]rune(s)) < backup.MinPassphraseLen {
			return backup.ErrWeakPassphrase
		}
		return nil
	}
	again.Validator = func(s string) error {
		if s != pass.Text {
			return errors.New("the passphrases differ")
		}
		return nil
	}
	items := []*widget.FormItem{
		widget.NewFormItem("File", path),
		widget.NewFormItem("Passphrase", pass),
		widget.NewFormItem("Again", again),
	}
	items[1].HintText = fmt.Sprintf("at least %d characters; without it the backup cannot be opened", backup.MinPassphraseLen)
	d := dialog.NewForm("Back up all accounts", "Back up", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		file, secret := strings.TrimSpace(path.Text), pass.Text
		var n int
		u.run("Backing up", func(ctx context.Context) (err error) {
			n, err = u.app.Backup(ctx, file, secret)
			return err
		}, func() { u.setStatus("Backed up %d accounts to %s.", n, file) })
	}, u.win)
	d.Resize(d.MinSize().AddWidthHeight(240, 0))
	d.Show()
}

// showRestore asks for a backup file and its passphrase, then merges it.
func (u *ui) showRestore() {
	path := widget.NewEntry()
	path.SetText(u.defaultBackupPath())
	pass := widget.NewPasswordEntry()
	items := []*widget.FormItem{
		widget.NewFormItem("File", path),
		widget.NewFormItem("Passphrase", pass),
	}
	items[0].HintText = "accounts are merged: known ones only take newer tokens"
	d := dialog.NewForm("Restore a backup", "Restore", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		file, secret := strings.TrimSpace(path.Text), pass.Text
		var added, updated int
		u.run("Restoring "+filepath.Base(file), func(ctx context.Context) (err error) {
			added, updated, err = u.app.Restore(ctx, file, secret)
			return RestoreError(err)
		}, func() {
			u.setStatus("Restored %s: %d accounts added, %d updated.", filepath.Base(file), added, updated)
		})
	}, u.win)
	d.Resize(d.MinSize().AddWidthHeight(240, 0))
	d.Show()
}

// RestoreError words a failed restore for the user; nil stays nil.
func RestoreError(err error) error {
	switch {
	case err == nil:
		return nil
	case backup.IsBadPassphrase(err):
		return errors.New("wrong passphrase: nothing was restored")
	case backup.IsDamaged(err):
		return fmt.Errorf("the file is damaged or not a Quiver backup: nothing was restored (%w)", err)
	}
	return err
}
