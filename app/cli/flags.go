package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// helpText is a command's help, asked for with -h/--help or `quiver help
// <command>`: Main prints it on stdout and exits 0.
type helpText struct{ text string }

func (h helpText) Error() string { return h.text }

// newFlags makes a flag set for a subcommand whose errors are usage errors.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parse is the one way every command reads its arguments: flags may come
// before, between or after the arguments, `--` ends the flags, a flag that
// takes a value takes the next argument (or `--flag=value`), and -h/--help
// returns the command's help. It returns the arguments, between minArgs and
// maxArgs of them (maxArgs < 0: no limit).
func parse(fs *flag.FlagSet, args []string, minArgs, maxArgs int, usage string) ([]string, error) {
	rest, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil, helpText{commandHelp(fs, usage)}
	}
	if err != nil {
		return nil, usagef("%s: %v (usage: quiver %s %s)", fs.Name(), err, fs.Name(), usage)
	}
	if len(rest) < minArgs || (maxArgs >= 0 && len(rest) > maxArgs) {
		return nil, usagef("usage: quiver %s %s", fs.Name(), usage)
	}
	return rest, nil
}

// parseInterleaved sets the flags found anywhere in args and returns the
// other arguments in order. It returns flag.ErrHelp for -h/--help unless
// the command defines such a flag.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			return append(rest, args[i+1:]...), nil
		}
		if len(arg) < 2 || arg[0] != '-' {
			rest = append(rest, arg) // "-" alone is an argument (stdin)
			continue
		}
		name := arg[1:]
		if name[0] == '-' {
			name = name[1:]
		}
		if name == "" || name[0] == '-' || name[0] == '=' {
			return nil, fmt.Errorf("bad flag syntax: %s", arg)
		}
		name, value, hasValue := strings.Cut(name, "=")
		f := fs.Lookup(name)
		if f == nil {
			if name == "h" || name == "help" {
				return nil, flag.ErrHelp
			}
			return nil, fmt.Errorf("flag provided but not defined: -%s", name)
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			if !hasValue {
				value = "true"
			}
		} else if !hasValue {
			if i+1 >= len(args) {
				return nil, fmt.Errorf("flag needs an argument: -%s", name)
			}
			i++
			value = args[i]
		}
		if err := fs.Set(name, value); err != nil {
			return nil, fmt.Errorf("invalid value %q for flag -%s: %v", value, name, err)
		}
	}
	return rest, nil
}

// commandHelp is the help of the command fs parses: its usage line, what
// it does (from the command table) and its flags.
func commandHelp(fs *flag.FlagSet, usage string) string {
	var b strings.Builder
	name := fs.Name()
	summary := ""
	for _, c := range commands() {
		if c.name == name {
			summary = c.summary
			if c.args != "" {
				usage = c.args
			}
		}
	}
	fmt.Fprintf(&b, "Usage: quiver %s\n", strings.TrimSpace(name+" "+usage))
	if summary != "" {
		fmt.Fprintf(&b, "\n%s%s.\n", strings.ToUpper(summary[:1]), summary[1:])
	}
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintln(&b, "\nFlags (before or after the arguments; -- ends them):")
		tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		fs.VisitAll(func(f *flag.Flag) {
			dash := "--"
			if len(f.Name) == 1 {
				dash = "-"
			}
			arg, text := flag.UnquoteUsage(f)
			if arg != "" {
				arg = " " + strings.ToUpper(arg)
			}
			fmt.Fprintf(tw, "  %s%s%s\t%s\n", dash, f.Name, arg, text)
		})
		tw.Flush()
	}
	return b.String()
}
