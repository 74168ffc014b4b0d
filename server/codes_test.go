package main

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"nabij/models"
)

var codeShape = regexp.MustCompile(`^[A-Z2-9]{4}-[A-Z2-9]{4}$`)

// fxRegister has a worker register a resident over the API and returns the answer.
func fxRegister(t *testing.T, c *fxClient, body map[string]any) codeJSON {
	t.Helper()
	status, out := c.call("POST", "/api/v1/users", body)
	if status != 201 {
		t.Fatalf("register on behalf = %d %s", status, out)
	}
	return fxDecode[codeJSON](t, out)
}

func TestWorkerRegistersAResidentWhoSignsInOnceWithTheCode(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	hood := w.hood("Rabot")
	worker := w.as(w.person("Youssef", models.RoleWorker, hood))
	got := fxRegister(t, worker, map[string]any{"display_name": "Fátima El Idrissi", "neighbourhood_id": hood})
	if !codeShape.MatchString(got.Code) || got.User.Username == nil || !strings.HasPrefix(*got.User.Username, "fatima.") {
		t.Fatalf("answer %+v", got)
	}
	if d := time.Until(got.ExpiresAt); d < 6*24*time.Hour || d > 8*24*time.Hour {
		t.Fatalf("code valid for %v", d)
	}
	if got.User.HomeNeighbourhoodID == nil || *got.User.HomeNeighbourhoodID != hood || got.User.HasPassword {
		t.Fatalf("resident %+v", got.User)
	}

	resident := w.anon()
	status, body := resident.call("POST", "/api/v1/auth/code", map[string]string{"code": strings.ToLower(got.Code)})
	s := fxDecode[sessionJSON](t, body)
	if status != 200 || s.User.ID != got.User.ID || s.CSRFToken == "" {
		t.Fatalf("code sign-in = %d %s", status, body)
	}
	if status, body := resident.call("GET", "/api/v1/me", nil); status != 200 || !strings.Contains(body, "Fátima") {
		t.Fatalf("me after code sign-in = %d %s", status, body)
	}
	status, body = w.anon().call("POST", "/api/v1/auth/code", map[string]string{"code": got.Code})
	if status != 400 || decodeErr(t, body).Error.Code != "code_invalid" {
		t.Fatalf("second use = %d %s", status, body)
	}
}

func TestResidentsCannotRegisterOthers(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	hood := w.hood("Rabot")
	jan := w.as(w.person("Jan", models.RoleResident, hood))
	status, body := jan.call("POST", "/api/v1/users", map[string]any{"display_name": "Piet", "neighbourhood_id": hood})
	if status != 403 || decodeErr(t, body).Error.Code != "forbidden" {
		t.Fatalf("resident registers someone = %d %s", status, body)
	}
	resp, _ := jan.page("/residents/new")
	if resp.StatusCode != 403 {
		t.Fatalf("resident opens the form = %d", resp.StatusCode)
	}
	resp, _ = jan.submit("/residents", url.Values{"display_name": {"Piet"}})
	if resp.StatusCode != 403 {
		t.Fatalf("resident submits the form = %d", resp.StatusCode)
	}
	if n := w.count("SELECT count(*) FROM users WHERE display_name = 'Piet'"); n != 0 {
		t.Fatal("an account was made anyway")
	}
}

func TestBadProxyRegistrationExplainsFieldsAndStoresNothing(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	worker := w.as(w.person("Youssef", models.RoleWorker, w.hood("Rabot")))
	status, body := worker.call("POST", "/api/v1/users", map[string]any{"display_name": " ", "email": "not-an-address", "username": "X", "neighbourhood_id": 9999})
	e := decodeErr(t, body)
	if status != 422 || e.Error.Code != "validation" {
		t.Fatalf("bad registration = %d %s", status, body)
	}
	for _, f := range []string{"display_name", "email", "username", "neighbourhood_id"} {
		if e.Error.Fields[f] == "" {
			t.Errorf("no message for %s in %s", f, body)
		}
	}
	if n := w.count("SELECT count(*) FROM users"); n != 1 {
		t.Fatalf("%d accounts after a refused registration", n)
	}
	if n := w.count("SELECT count(*) FROM signin_codes"); n != 0 {
		t.Fatal("a code was stored")
	}
}

func TestExpiredCodesDoNotWork(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	hood := w.hood("Rabot")
	got := fxRegister(t, w.as(w.person("Youssef", models.RoleWorker, hood)), map[string]any{"display_name": "Mireille", "neighbourhood_id": hood})
	if err := w.a.db.Gorm.Exec("UPDATE signin_codes SET expires_at = now() - interval '1 minute'").Error; err != nil {
		t.Fatal(err)
	}
	status, body := w.anon().call("POST", "/api/v1/auth/code", map[string]string{"code": got.Code})
	if status != 400 || decodeErr(t, body).Error.Code != "code_invalid" {
		t.Fatalf("expired code = %d %s", status, body)
	}
}

func TestANewCodeMakesTheEarlierOneStopWorking(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	hood := w.hood("Rabot")
	worker := w.as(w.person("Youssef", models.RoleWorker, hood))
	first := fxRegister(t, worker, map[string]any{"display_name": "Mireille", "neighbourhood_id": hood})
	status, body := worker.call("POST", "/api/v1/users/"+itoa(first.User.ID)+"/signin-codes", nil)
	second := fxDecode[codeJSON](t, body)
	if status != 201 || !codeShape.MatchString(second.Code) || second.Code == first.Code || second.User.ID != first.User.ID {
		t.Fatalf("new code = %d %s", status, body)
	}
	if !strings.HasSuffix(second.SignInURL, "/code?c="+second.Code) {
		t.Fatalf("sign-in link %q", second.SignInURL)
	}
	if status, _ := w.anon().call("POST", "/api/v1/auth/code", map[string]string{"code": first.Code}); status != 400 {
		t.Fatalf("earlier code still works: %d", status)
	}
	if status, body := w.anon().call("POST", "/api/v1/auth/code", map[string]string{"code": second.Code}); status != 200 {
		t.Fatalf("new code = %d %s", status, body)
	}
}

func TestOnlyTheResidentsOwnWorkersAndCoordinatorsIssueCodes(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	rabot, poort := w.hood("Rabot"), w.hood("Brugse Poort")
	mireille := w.person("Mireille", models.RoleResident, rabot) // signed up herself
	own := w.as(w.person("Youssef", models.RoleWorker, rabot))
	other := w.as(w.person("Els", models.RoleWorker, poort))
	boss := w.as(w.person("Sanne", models.RoleCoordinator, 0))
	path := "/api/v1/users/" + itoa(mireille.ID) + "/signin-codes"
	if status, body := other.call("POST", path, nil); status != 403 || decodeErr(t, body).Error.Code != "forbidden" {
		t.Fatalf("worker of another neighbourhood = %d %s", status, body)
	}
	if n := w.count("SELECT count(*) FROM signin_codes"); n != 0 {
		t.Fatal("a code was stored for a refused request")
	}
	if status, body := own.call("POST", path, nil); status != 201 {
		t.Fatalf("worker of her neighbourhood = %d %s", status, body)
	}
	if status, body := boss.call("POST", path, nil); status != 201 {
		t.Fatalf("coordinator = %d %s", status, body)
	}
	// A resident registered by a worker stays theirs after moving elsewhere.
	moved := fxRegister(t, other, map[string]any{"display_name": "Tomas", "neighbourhood_id": poort})
	if err := w.a.db.Gorm.Exec("UPDATE users SET home_neighbourhood_id = ? WHERE id = ?", rabot, moved.User.ID).Error; err != nil {
		t.Fatal(err)
	}
	if status, body := other.call("POST", "/api/v1/users/"+itoa(moved.User.ID)+"/signin-codes", nil); status != 201 {
		t.Fatalf("registering worker after a move = %d %s", status, body)
	}
}

func TestNobodyIssuesCodesForWorkerOrCoordinatorAccounts(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	rabot := w.hood("Rabot")
	worker := w.person("Youssef", models.RoleWorker, rabot)
	colleague := w.person("Els", models.RoleWorker, rabot)
	boss := w.person("Sanne", models.RoleCoordinator, rabot)
	second := w.person("Bram", models.RoleCoordinator, 0)
	for _, actor := range []*models.User{worker, boss} {
		c := w.as(actor)
		for _, target := range []*models.User{worker, colleague, boss, second} {
			status, body := c.call("POST", "/api/v1/users/"+itoa(target.ID)+"/signin-codes", nil)
			if status != 403 {
				t.Errorf("%s issues a code for %s: %d %s", *actor.Username, *target.Username, status, body)
			}
		}
	}
	if n := w.count("SELECT count(*) FROM signin_codes"); n != 0 {
		t.Fatalf("%d codes stored for staff accounts", n)
	}
}

func TestCodeSignInThenChoosingAPasswordThenPasswordSignIn(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	hood := w.hood("Rabot")
	got := fxRegister(t, w.as(w.person("Youssef", models.RoleWorker, hood)), map[string]any{"display_name": "Jan", "username": "jan.peeters", "neighbourhood_id": hood})

	b := w.anon()
	resp, body := b.page("/code?c=" + url.QueryEscape(got.Code))
	if resp.StatusCode != 200 || !strings.Contains(body, `value="`+got.Code+`"`) {
		t.Fatalf("code form not filled in from the link: %d", resp.StatusCode)
	}
	resp, _ = b.submit("/code", url.Values{"code": {got.Code}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/welcome/password" {
		t.Fatalf("code sign-in = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body = b.page("/welcome/password")
	if resp.StatusCode != 200 || !strings.Contains(body, "jan.peeters") || !strings.Contains(body, `href="/neighbourhoods/`+itoa(hood)+`"`) {
		t.Fatalf("choose-a-password page = %d", resp.StatusCode)
	}
	resp, body = b.submit("/welcome/password", url.Values{"password": {"kort"}})
	if resp.StatusCode != 422 || !strings.Contains(body, "minstens 10 tekens") {
		t.Fatalf("short password = %d", resp.StatusCode)
	}
	resp, _ = b.submit("/welcome/password", url.Values{"password": {"mijn fiets is blauw"}})
	if resp.StatusCode != 303 {
		t.Fatalf("set password = %d", resp.StatusCode)
	}
	status, body := w.anon().call("POST", "/api/v1/auth/login", map[string]string{"identifier": "jan.peeters", "password": "mijn fiets is blauw"})
	if status != 200 || !strings.Contains(body, `"has_password":true`) {
		t.Fatalf("password sign-in = %d %s", status, body)
	}
}

func TestAWrongCodeOnTheFormIsExplained(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	b := w.anon()
	b.page("/code")
	resp, body := b.submit("/code", url.Values{"code": {"ABCD-EFGH"}})
	if resp.StatusCode != 400 || !strings.Contains(body, "Deze code werkt niet") || !strings.Contains(body, `value="ABCD-EFGH"`) {
		t.Fatalf("wrong code = %d", resp.StatusCode)
	}
}

func TestChoosingAPasswordWithoutTheOldOneNeedsACodeSignIn(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	jan := w.person("Jan", models.RoleResident, 0)
	b := w.as(jan)
	resp, _ := b.page("/welcome/password")
	if resp.StatusCode != 303 {
		t.Fatalf("choose-a-password page for a password session = %d", resp.StatusCode)
	}
	b.page("/profile")
	resp, _ = b.submit("/welcome/password", url.Values{"password": {"overgenomen account"}})
	if resp.StatusCode != 403 {
		t.Fatalf("set password without code sign-in = %d", resp.StatusCode)
	}
	if status, _ := w.anon().call("POST", "/api/v1/auth/login", map[string]string{"identifier": "jan", "password": fxPassword}); status != 200 {
		t.Fatal("the password changed")
	}
}

func TestAResidentWhoForgotTheirPasswordGetsACodeAndChoosesANewOne(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	hood := w.hood("Rabot")
	jan := w.person("Jan", models.RoleResident, hood)
	worker := w.as(w.person("Youssef", models.RoleWorker, hood))
	status, body := worker.call("POST", "/api/v1/users/"+itoa(jan.ID)+"/signin-codes", nil)
	if status != 201 {
		t.Fatalf("new code = %d %s", status, body)
	}
	b := w.anon()
	b.page("/code")
	b.submit("/code", url.Values{"code": {fxDecode[codeJSON](t, body).Code}})
	b.page("/welcome/password")
	if resp, _ := b.submit("/welcome/password", url.Values{"password": {"nieuw en onthouden"}}); resp.StatusCode != 303 {
		t.Fatalf("new password = %d", resp.StatusCode)
	}
	if status, _ := w.anon().call("POST", "/api/v1/auth/login", map[string]string{"identifier": "jan", "password": "nieuw en onthouden"}); status != 200 {
		t.Fatal("new password does not work")
	}
}

func TestCodeAttemptsAreRateLimitedLikePasswords(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	hood := w.hood("Rabot")
	got := fxRegister(t, w.as(w.person("Youssef", models.RoleWorker, hood)), map[string]any{"display_name": "Mireille", "neighbourhood_id": hood})
	guesser := w.anon()
	for i := range models.MaxAddressFailures {
		code := strings.Repeat(string("ABCDEFGHJKMNPQRSTUVWXYZ"[i]), 8)
		if status, body := guesser.call("POST", "/api/v1/auth/code", map[string]string{"code": code}); status != 400 {
			t.Fatalf("guess %d = %d %s", i, status, body)
		}
	}
	status, body := guesser.call("POST", "/api/v1/auth/code", map[string]string{"code": got.Code})
	if status != 429 || decodeErr(t, body).Error.Code != "too_many_requests" {
		t.Fatalf("after %d wrong guesses = %d %s", models.MaxAddressFailures, status, body)
	}
}

func TestWorkerPrintsASheetWithCodeUsernameAndQRCode(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	hood := w.hood("Rabot")
	b := w.as(w.person("Youssef", models.RoleWorker, hood))
	resp, body := b.page("/residents/new")
	if resp.StatusCode != 200 || !strings.Contains(body, "Rabot") {
		t.Fatalf("form = %d", resp.StatusCode)
	}
	resp, body = b.submit("/residents", url.Values{"display_name": {"Tomas"}, "neighbourhood_id": {itoa(hood)}, "language": {"en"}})
	if resp.StatusCode != 200 {
		t.Fatalf("register = %d", resp.StatusCode)
	}
	code := regexp.MustCompile(`class="sheet-code">([A-Z2-9]{4}-[A-Z2-9]{4})<`).FindStringSubmatch(body)
	if code == nil || !strings.Contains(body, "data:image/png;base64,") || !strings.Contains(body, "tomas.") ||
		!strings.Contains(body, "Welcome to Nabij, Tomas") || !strings.Contains(body, "/code") {
		t.Fatalf("sheet lacks code, QR code, username or the resident's language: %s", body)
	}
	if !strings.Contains(resp.Header.Get("Cache-Control"), "no-store") {
		t.Fatal("a sheet with a code may be cached")
	}
	if status, _ := w.anon().call("POST", "/api/v1/auth/code", map[string]string{"code": code[1]}); status != 200 {
		t.Fatalf("code from the sheet = %d", status)
	}

	resp, body = b.page("/residents")
	if resp.StatusCode != 200 || !strings.Contains(body, "Tomas") {
		t.Fatalf("residents list = %d", resp.StatusCode)
	}
	id := w.count("SELECT id FROM users WHERE display_name = 'Tomas'")
	resp, body = b.submit("/residents/"+itoa(id)+"/code", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "data:image/png;base64,") || !strings.Contains(body, "previous code no longer works") {
		t.Fatalf("new sheet = %d", resp.StatusCode)
	}
}

func TestProxyRegistrationFormKeepsWhatWasTyped(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	b := w.as(w.person("Youssef", models.RoleWorker, w.hood("Rabot")))
	b.page("/residents/new")
	resp, body := b.submit("/residents", url.Values{"display_name": {"Tomas"}, "email": {"geen-adres"}})
	if resp.StatusCode != 422 || !strings.Contains(body, `value="Tomas"`) || !strings.Contains(body, "Dit lijkt geen e-mailadres") {
		t.Fatalf("bad form = %d", resp.StatusCode)
	}
	if n := w.count("SELECT count(*) FROM users WHERE display_name = 'Tomas'"); n != 0 {
		t.Fatal("stored anyway")
	}
}

func TestWorkersSeeOnlyTheirOwnResidents(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	rabot, poort := w.hood("Rabot"), w.hood("Brugse Poort")
	w.person("Mireille", models.RoleResident, rabot)
	w.person("Tomas", models.RoleResident, poort)
	resp, body := w.as(w.person("Youssef", models.RoleWorker, rabot)).page("/residents")
	if resp.StatusCode != 200 || !strings.Contains(body, "Mireille") || strings.Contains(body, "Tomas") {
		t.Fatalf("worker's list = %d", resp.StatusCode)
	}
	if strings.Contains(body, "mireille@example.org") {
		t.Fatal("the list shows email addresses")
	}
	resp, body = w.as(w.person("Sanne", models.RoleCoordinator, 0)).page("/residents")
	if resp.StatusCode != 200 || !strings.Contains(body, "Mireille") || !strings.Contains(body, "Tomas") {
		t.Fatalf("coordinator's list = %d", resp.StatusCode)
	}
}
