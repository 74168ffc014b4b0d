package main

import (
	"bytes"
	"context"

	"strings"
	"testing"

	"nabij/server/testdb"
)

// fxRunCommand runs `nabij args...` against a database of the test's own.
func fxRunCommand(t *testing.T, dsn, stdin string, args ...string) (string, error) {
	t.Helper()
	env := map[string]string{"DATABASE_URL": dsn, "NABIJ_LOG_LEVEL": "warn"}
	var out, errOut bytes.Buffer
	err := run(args, func(k string) string { return env[k] }, strings.NewReader(stdin), &out, &errOut)
	return out.String(), err
}

// fxAppOn opens the app on an existing test database.
func fxAppOn(t *testing.T, dsn string) *fxWorld {
	t.Helper()
	d := &database{DSN: dsn}
	if err := d.connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	f, a, err := newApp(testConfig(t), d, testLogger())
	if err != nil {
		t.Fatal(err)
	}
	return &fxWorld{t: t, f: f, a: a}
}

func TestCreateCoordinatorCommandMakesACoordinatorWhoCanSignIn(t *testing.T) {
	t.Parallel()
	dsn := testdb.DSN(t)
	out, err := fxRunCommand(t, dsn, "een lange zin voor de baas\n",
		"create-coordinator", "--name", "Sanne Peeters", "--email", "sanne@example.org", "--password-stdin")
	if err != nil || !strings.Contains(out, "created") || !strings.Contains(out, "sanne@example.org") {
		t.Fatalf("create-coordinator = %v, %q", err, out)
	}
	w := fxAppOn(t, dsn)
	status, body := w.anon().call("POST", "/api/v1/auth/login", map[string]string{"identifier": "sanne@example.org", "password": "een lange zin voor de baas"})
	if status != 200 || !strings.Contains(body, `"role":"coordinator"`) || !strings.Contains(body, "Sanne Peeters") {
		t.Fatalf("sign in as the new coordinator = %d %s", status, body)
	}
}

func TestCreateCoordinatorCommandAsksForWhatIsMissing(t *testing.T) {
	t.Parallel()
	dsn := testdb.DSN(t)
	out, err := fxRunCommand(t, dsn, "Els Van Damme\nels@example.org\nnog een lange zin hier\n", "create-coordinator", "--password-stdin")
	if err != nil || !strings.Contains(out, "Els Van Damme") {
		t.Fatalf("create-coordinator with answers on stdin = %v, %q", err, out)
	}
}

func TestCreateCoordinatorCommandExplainsBadInputAndStoresNothing(t *testing.T) {
	t.Parallel()
	dsn := testdb.DSN(t)
	cases := []struct {
		stdin string
		args  []string
		want  string
	}{
		{"kort\n", []string{"--name", "Sanne", "--email", "sanne@example.org", "--password-stdin"}, "--password: Choose a password of at least 10 characters"},
		{"password123\n", []string{"--name", "Sanne", "--email", "sanne@example.org", "--password-stdin"}, "--password: Many people use this password"},
		{"een lange zin voor de baas\n", []string{"--name", "Sanne", "--email", "geen-adres", "--password-stdin"}, "--email: This does not look like an email address"},
		{"\neen lange zin voor de baas\n", []string{"--name", "Sanne", "--password-stdin"}, "--email: Enter an email address"},
		{"", []string{"--name", "Sanne", "--email", "sanne@example.org"}, "--password-stdin"},
	}
	for _, tc := range cases {
		_, err := fxRunCommand(t, dsn, tc.stdin, append([]string{"create-coordinator"}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want it to mention %q", tc.args, err, tc.want)
		}
	}
	w := fxAppOn(t, dsn)
	if n := w.count("SELECT count(*) FROM users"); n != 0 {
		t.Fatalf("%d accounts after refused commands", n)
	}
}

func TestCreateCoordinatorCommandRefusesATakenEmail(t *testing.T) {
	t.Parallel()
	dsn := testdb.DSN(t)
	args := []string{"create-coordinator", "--name", "Sanne", "--email", "sanne@example.org", "--password-stdin"}
	if _, err := fxRunCommand(t, dsn, "een lange zin voor de baas\n", args...); err != nil {
		t.Fatal(err)
	}
	_, err := fxRunCommand(t, dsn, "een lange zin voor de baas\n", args...)
	if err == nil || !strings.Contains(err.Error(), "already an account") {
		t.Fatalf("second coordinator with the same email: %v", err)
	}
}
