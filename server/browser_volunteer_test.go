package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"nabij/models"
)

// TestBrowserAVolunteerFindsANeedSignsUpAndTheOrganiserChecksThemIn walks the demo on a phone and
// a desktop screen with two browsers. Youssef asks for two people to set out chairs in half an
// hour and keeps the need page open. Jan finds it among the needs for him, with the reasons why,
// and signs up without JavaScript (a plain form). Youssef's page shows the place taken without
// reloading, and he checks Jan in from the list, which records Jan's hours. Fails on any console
// error or a page wider than the screen.
func TestBrowserAVolunteerFindsANeedSignsUpAndTheOrganiserChecksThemIn(t *testing.T) {
	for _, size := range []struct {
		name          string
		width, height int
	}{{"phone", 360, 740}, {"desktop", 1280, 800}} {
		t.Run(size.name, func(t *testing.T) {
			base, a := liveServer(t)
			ctx := context.Background()
			if err := fillDemo(ctx, a.db.Gorm, testLogger(), a.cfg.Location); err != nil {
				t.Fatal(err)
			}
			var rabot int64
			var youssef, jan models.User
			a.db.Gorm.Raw("SELECT id FROM neighbourhoods WHERE name = 'Rabot'").Scan(&rabot)
			a.db.Gorm.Where("username = 'youssef'").Take(&youssef)
			a.db.Gorm.Where("username = 'jan'").Take(&jan)
			// Jan is free all week (the demo has him on Tuesday and Thursday only).
			var week []models.Slot
			for d := 0; d < 7; d++ {
				week = append(week, models.Slot{Weekday: d, Start: "00:00", End: "24:00"})
			}
			if _, err := models.SaveVolunteer(ctx, a.db.Gorm, &jan, models.VolunteerInput{Skills: []int{201, 702, 801, 901},
				Languages: []string{"nl", "en"}, Neighbourhoods: []int64{rabot}, Availability: week, ConsentToAsk: true,
				Phone: "0470 11 22 33", Constraints: "Ik heb geen auto, wel een fiets."}); err != nil {
				t.Fatal(err)
			}
			start := time.Now().Add(30 * time.Minute).Truncate(time.Minute)
			end, places, title := start.Add(time.Hour), 2, "Stoelen klaarzetten voor de buurtvergadering"
			need, err := models.CreateNeed(ctx, a.db.Gorm, &youssef, models.NewNeed{NeighbourhoodID: rabot,
				Shifts:    []models.ShiftInput{{StartsAt: &start, EndsAt: &end, Places: &places}},
				NeedInput: models.NeedInput{Title: &title, PlaceName: new("Buurthuis Rabot"), NiceSkills: &[]int{901}}}, a.cfg.Location)
			if err != nil {
				t.Fatal(err)
			}
			needPath := fmt.Sprintf("%s/needs/%d", base, need.ID)

			org, orgProblems, orgOut := newChromium(t, size.width, size.height)
			vol, volProblems, volOut := newChromium(t, size.width, size.height)
			shot := func(step string) chromedp.Action { return screenshot("volunteer-" + size.name + "-" + step) }
			var widths []string
			measure := func(page string) chromedp.Action { return widthCheck(&widths, page) }
			signIn := func(who string) chromedp.Tasks { return demoSignIn(base, who) }
			fail := func(who string, err error, out fmt.Stringer) {
				t.Helper()
				t.Fatalf("%s's browser: %v (screenshots in server/%s)\nChromium said:\n%s", who, err, screenshotDir, tail(out.String(), 3000))
			}
			text := func(sel string, out *string) chromedp.Action { return chromedp.Text(sel, out, chromedp.ByQuery) }

			var before string
			if err := chromedp.Run(org, signIn("youssef"), chromedp.Navigate(needPath), chromedp.WaitVisible(`#organise`, chromedp.ByQuery),
				chromedp.Evaluate(`window.notReloaded = true`, nil), text(`#live-signups`, &before), measure("need (organiser)"), shot("1-organiser")); err != nil {
				fail("youssef", err, orgOut)
			}
			if !strings.Contains(before, "Nog 2 van 2 plaatsen vrij") {
				t.Errorf("before anyone signed up the organiser sees:\n%s", before)
			}

			card := fmt.Sprintf(`#need-%d`, need.ID)
			var found, after string
			err = chromedp.Run(vol, signIn("jan"),
				chromedp.Navigate(base+"/volunteer"), chromedp.WaitVisible(`a[href="/volunteer/needs"]`, chromedp.ByQuery),
				measure("volunteer"), shot("2-volunteer"),
				chromedp.Click(`main a[href="/volunteer/needs"]`, chromedp.ByQuery),
				chromedp.WaitVisible(card, chromedp.ByQuery),
				text(card, &found), measure("needs for me"), shot("3-needs-for-me"),
				chromedp.Submit(card+` form[action$="/signup"]`, chromedp.ByQuery),
				chromedp.WaitVisible(`main .notice.ok`, chromedp.ByQuery),
				text(`main`, &after), measure("need (volunteer)"), shot("4-signed-up"),
				chromedp.Navigate(base+"/volunteer/profile"), chromedp.WaitVisible(`form.vp-profile`, chromedp.ByQuery),
				measure("profile form"), shot("5-profile"),
			)
			if err != nil {
				fail("jan", err, volOut)
			}
			for _, why := range []string{"ook handig: klaarzetten en opruimen", "helpt in deze buurt"} {
				if !strings.Contains(found, why) {
					t.Errorf("the need for Jan does not say %q:\n%s", why, found)
				}
			}
			if !strings.Contains(after, "Je bent ingeschreven") {
				t.Errorf("after signing up Jan sees:\n%s", after)
			}

			var live, checked string
			var kept bool
			err = chromedp.Run(org,
				chromedp.Poll(`document.querySelector('#live-signups').textContent.includes('Nog 1 van 2 plaatsen vrij')`, nil,
					chromedp.WithPollingTimeout(10*time.Second)),
				text(`#live-signups`, &live), chromedp.Evaluate(`window.notReloaded === true`, &kept), shot("6-place-taken"))
			if err != nil {
				fail("youssef", fmt.Errorf("the place taken did not show without reloading: %w", err), orgOut)
			}
			if !kept {
				t.Error("Youssef's page was reloaded; it should change in place")
			}
			if !strings.Contains(live, "Jan") || !strings.Contains(live, "0470112233") {
				t.Errorf("the organiser's list does not show Jan with his phone:\n%s", live)
			}
			err = chromedp.Run(org,
				chromedp.Submit(fmt.Sprintf(`#signups form[action$="/checkins"] input[name="user_id"][value="%d"]`, jan.ID), chromedp.ByQuery),
				chromedp.WaitVisible(`main .notice.ok`, chromedp.ByQuery),
				text(`#signups`, &checked), measure("need (after check-in)"), shot("7-checked-in"))
			if err != nil {
				fail("youssef", err, orgOut)
			}
			if !strings.Contains(checked, "is er") {
				t.Errorf("after checking Jan in the list shows:\n%s", checked)
			}
			var minutes int
			a.db.Gorm.Raw("SELECT minutes FROM volunteer_hours WHERE user_id = ? AND shift_id = ? AND status = 'confirmed'", jan.ID, need.Shifts[0].ID).Scan(&minutes)
			if minutes != 60 {
				t.Errorf("checking in recorded %d minutes, want the shift's 60", minutes)
			}
			if err := chromedp.Run(vol, chromedp.Navigate(base+"/volunteer/hours"), chromedp.WaitVisible(`main h1`, chromedp.ByQuery),
				measure("hours"), shot("8-hours"),
				chromedp.Navigate(base+"/volunteer/hours/confirmation"), chromedp.WaitVisible(`.vp-certificate`, chromedp.ByQuery),
				measure("confirmation"), shot("9-confirmation")); err != nil {
				fail("jan", err, volOut)
			}
			if err := chromedp.Run(org, chromedp.Navigate(base+"/volunteer-reports"), chromedp.WaitVisible(`main h1`, chromedp.ByQuery),
				measure("figures"), shot("10-figures"),
				chromedp.Navigate(fmt.Sprintf("%s/neighbourhoods/%d/needs/new", base, rabot)), chromedp.WaitVisible(`#f-title`, chromedp.ByQuery),
				measure("new need"), shot("11-new-need")); err != nil {
				fail("youssef", err, orgOut)
			}
			for _, w := range widths {
				t.Error(w)
			}
			for who, problems := range map[string]func() []string{"youssef": orgProblems, "jan": volProblems} {
				if p := problems(); len(p) > 0 {
					t.Errorf("%s's browser reported errors:\n%s", who, strings.Join(p, "\n"))
				}
			}
		})
	}
}
