package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/quiver-app/quiver/app/backup"
)

// BackupPassphraseEnv gives the backup passphrase to `quiver backup` and
// `quiver restore` without asking (scripts).
const BackupPassphraseEnv = "QUIVER_BACKUP_PASSPHRASE"

// errNoPassphrase is returned when no passphrase can be had.
var errNoPassphrase = errors.New("no passphrase: set " + BackupPassphraseEnv + " or run this in a terminal")

func cmdBackup(ctx context.Context, r *runner, args []string) error {
	rest, err := parse(newFlags("backup"), args, 1, 1, "FILE")
	if err != nil {
		return err
	}
	pass, err := r.passphrase(true)
	if err != nil {
		return err
	}
	a, err := r.open(ctx, false)
	if err != nil {
		return err
	}
	n, err := a.Backup(ctx, rest[0], pass)
	if err != nil {
		return err
	}
	fmt.Fprintf(r.env.Stdout, "Backed up %d accounts to %s (encrypted, mode 0600). Keep the passphrase: without it the file cannot be opened.\n", n, rest[0])
	return nil
}

func cmdRestore(ctx context.Context, r *runner, args []string) error {
	rest, err := parse(newFlags("restore"), args, 1, 1, "FILE")
	if err != nil {
		return err
	}
	pass, err := r.passphrase(false)
	if err != nil {
		return err
	}
	a, err := r.open(ctx, false)
	if err != nil {
		return err
	}
	added, updated, err := a.Restore(ctx, rest[0], pass)
	switch {
	case backup.IsBadPassphrase(err):
		return errors.New("wrong passphrase for this backup; nothing was restored")
	case backup.IsDamaged(err):
		return fmt.Errorf("%w; nothing was restored", err)
	case err != nil:
		return err
	}
	fmt.Fprintf(r.env.Stdout, "Restored %s: %d accounts added, %d updated (known accounts keep their newer tokens).\n", rest[0], added, updated)
	return nil
}

// passphrase takes the backup passphrase from the environment, or asks on
// the terminal (twice for a new backup). It refuses when it can do neither.
func (r *runner) passphrase(confirm bool) (string, error) {
	if p := os.Getenv(BackupPassphraseEnv); p != "" {
		return p, checkNewPassphrase(p, confirm)
	}
	if !r.env.StdinIsTerminal {
		return "", errNoPassphrase
	}
	in := bufio.NewReader(r.env.Stdin)
	read := func(prompt string) (string, error) {
		fmt.Fprint(r.env.Stderr, prompt)
		defer fmt.Fprintln(r.env.Stderr)
		if f, ok := r.env.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			b, err := term.ReadPassword(int(f.Fd()))
			return string(b), err
		}
		line, err := in.ReadString('\n')
		if err != nil && (err != io.EOF || line == "") {
			return "", err
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	prompt := "Backup passphrase: "
	if confirm {
		prompt = fmt.Sprintf("Backup passphrase (at least %d characters): ", backup.MinPassphraseLen)
	}
	p, err := read(prompt)
	if err != nil {
		return "", fmt.Errorf("reading the passphrase: %w", err)
	}
	if p == "" {
		return "", errNoPassphrase
	}
	if err := checkNewPassphrase(p, confirm); err != nil {
		return "", err
	}
	if confirm {
		again, err := read("Again: ")
		if err != nil {
			return "", fmt.Errorf("reading the passphrase: %w", err)
		}
		if again != p {
			return "", errors.New("the passphrases differ; nothing was written")
		}
	}
	return p, nil
}

// checkNewPassphrase refuses a passphrase too short for a new backup
// before anything is asked again or written.
func checkNewPassphrase(p string, isNew bool) error {
	if isNew && utf8.RuneCountInString(p) < backup.MinPassphraseLen {
		return fmt.Errorf("%w; nothing was written", backup.ErrWeakPassphrase)
	}
	return nil
}
