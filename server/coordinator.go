package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"

	"golang.org/x/term"

	"nabij/models"
	"nabij/server/pgcluster"
)

// createCoordinator is `nabij create-coordinator`: it makes the first coordinator of a new
// installation (or another one). On a terminal it asks for what the flags did not give, the
// password twice without echo; scripts pass --name, --email and --password-stdin.
func createCoordinator(ctx context.Context, cfg config, log *slog.Logger, args []string, getenv func(string) string,
	stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("create-coordinator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "the name others see")
	email := fs.String("email", "", "the email address to sign in with")
	pwStdin := fs.Bool("password-stdin", false, "read the password from standard input (for scripts)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	lang := "en"
	if strings.HasPrefix(getenv("LANG"), "nl") {
		lang = "nl"
	}
	in := bufio.NewReader(stdin)
	var err error
	if *name == "" {
		if *name, err = prompt(in, stderr, "Name others see: "); err != nil {
			return err
		}
	}
	if *email == "" {
		if *email, err = prompt(in, stderr, "Email address: "); err != nil {
			return err
		}
	}
	password, err := readNewPassword(in, stdin, stderr, *pwStdin)
	if err != nil {
		return err
	}
	// Check what can be checked before starting a database for nothing.
	if msg := models.CheckPassword(password); msg != "" {
		return explainFields(lang, models.FieldErrors{"password": msg})
	}

	db, err := openDatabase(ctx, cfg, log)
	if errors.Is(err, pgcluster.ErrInUse) {
		return fmt.Errorf("%w\nStop the running Nabij (Ctrl-C), run create-coordinator, then start Nabij again", err)
	}
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := models.CreateCoordinator(ctx, db.Gorm, *name, *email, password)
	var fe models.FieldErrors
	if errors.As(err, &fe) {
		return explainFields(lang, fe)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Coordinator %q created (account %d). Sign in with %s at %s/signin\n", u.Name(), u.ID, *u.Email, cfg.BaseURL)
	return nil
}

// prompt asks for one line.
func prompt(in *bufio.Reader, out io.Writer, question string) (string, error) {
	fmt.Fprint(out, question)
	line, err := in.ReadString('\n')
	if err != nil && (err != io.EOF || line == "") {
		return "", fmt.Errorf("reading the answer to %q: %w", strings.TrimSpace(question), err)
	}
	return strings.TrimSpace(line), nil
}

// readNewPassword reads the password from standard input (--password-stdin) or asks for it twice
// on the terminal without showing it.
func readNewPassword(in *bufio.Reader, stdin io.Reader, out io.Writer, fromStdin bool) (string, error) {
	if fromStdin {
		line, err := in.ReadString('\n')
		if err != nil && err != io.EOF {
			return "", fmt.Errorf("read the password from standard input: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	f, ok := stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", errors.New("standard input is not a terminal: pass the password with --password-stdin")
	}
	ask := func(q string) (string, error) {
		fmt.Fprint(out, q)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(out)
		return string(b), err
	}
	pw, err := ask("Password (at least 10 characters): ")
	if err != nil {
		return "", err
	}
	again, err := ask("The same password again: ")
	if err != nil {
		return "", err
	}
	if pw != again {
		return "", errors.New("the two passwords differ; nothing was created, please try again")
	}
	return pw, nil
}

// explainFields turns invalid input into one readable error, a line per field.
func explainFields(lang string, fe models.FieldErrors) error {
	v, err := newViews()
	if err != nil {
		return fe
	}
	lines := make([]string, 0, len(fe))
	for field, id := range fe {
		if field == "display_name" {
			field = "name"
		}
		lines = append(lines, "--"+field+": "+v.translate(lang, id, nil))
	}
	sort.Strings(lines)
	return errors.New("nothing was created:\n  " + strings.Join(lines, "\n  "))
}
