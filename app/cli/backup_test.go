package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBackupAndRestore(t *testing.T) {
	src := newCLIEnv(t)
	src.login(alice)
	src.run("", "import")
	src.login(bob)
	src.run("", "import")
	file := filepath.Join(t.TempDir(), "quiver.qvbackup")

	// No passphrase and no terminal: refused, nothing written.
	if _, _, err := src.runCmd(cmdBackup, "", file); err == nil || !strings.Contains(err.Error(), BackupPassphraseEnv) {
		t.Errorf("err = %v", err)
	}
	// Asked twice on the terminal; different answers are refused.
	if _, _, err := src.runCmd(cmdBackup, "first passphrase\nsecond passphrase\n", file); err == nil || !strings.Contains(err.Error(), "differ") {
		t.Errorf("err = %v", err)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Fatal("a refused backup wrote a file")
	}
	out, _, err := src.runCmd(cmdBackup, "a good passphrase\na good passphrase\n", file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Backed up 2 accounts") {
		t.Errorf("stdout %q", out)
	}

	dst := newCLIEnv(t)
	if _, _, err := dst.runCmd(cmdRestore, "not the passphrase\n", file); err == nil || !strings.Contains(err.Error(), "wrong passphrase") {
		t.Errorf("wrong passphrase: %v", err)
	}
	t.Setenv(BackupPassphraseEnv, "a good passphrase")
	out, _, err = dst.runCmd(cmdRestore, "", file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "2 accounts added, 0 updated") {
		t.Errorf("stdout %q", out)
	}
	if _, list, _ := dst.run("", "list"); !strings.Contains(list, "alice") || !strings.Contains(list, "bob") {
		t.Errorf("list after restore: %s", list)
	}
	if out, _, err = dst.runCmd(cmdRestore, "", file); err != nil || !strings.Contains(out, "0 accounts added, 0 updated") {
		t.Errorf("second restore: %v %q", err, out)
	}

	damaged := filepath.Join(t.TempDir(), "damaged")
	data, _ := os.ReadFile(file)
	data[len(data)-5] ^= 1
	os.WriteFile(damaged, data, 0o600)
	if _, _, err := dst.runCmd(cmdRestore, "", damaged); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("damaged: %v", err)
	}
	for _, args := range [][]string{nil, {"a", "b"}} {
		if _, _, err := dst.runCmd(cmdRestore, "", args...); err == nil {
			t.Errorf("restore %q accepted", args)
		}
	}
}
