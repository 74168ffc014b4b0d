package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserResidentFindsAMeetupInTheAgendaAndSignsUp walks the demo as Jan on a phone and a
// desktop screen: the neighbourhood, its agenda, the full bike lesson (waitlist), signing up for
// it without JavaScript, and then the organiser's attendance list as Youssef. Fails on any
// console error or a page wider than the screen.
func TestBrowserResidentFindsAMeetupInTheAgendaAndSignsUp(t *testing.T) {
	for _, size := range []struct {
		name          string
		width, height int
	}{{"phone", 360, 740}, {"desktop", 1280, 800}} {
		t.Run(size.name, func(t *testing.T) {
			base, a := liveServer(t)
			if err := fillDemo(context.Background(), a.db.Gorm, testLogger(), a.cfg.Location); err != nil {
				t.Fatal(err)
			}
			var hood, bike int64
			a.db.Gorm.Raw("SELECT id FROM neighbourhoods WHERE name = 'Rabot'").Scan(&hood)
			a.db.Gorm.Raw("SELECT id FROM meetups WHERE title = 'Fietsherstelles'").Scan(&bike)
			ctx, problems, output := newChromium(t, size.width, size.height)
			shot := func(step string) chromedp.Action { return screenshot("meetup-" + size.name + "-" + step) }
			var widths []string
			measure := func(page string) chromedp.Action { return widthCheck(&widths, page) }
			signIn := func(who string) chromedp.Tasks { return demoSignIn(base, who) }
			var agenda, before, after, attendance string
			err := chromedp.Run(ctx,
				signIn("jan"),
				chromedp.Navigate(fmt.Sprintf("%s/neighbourhoods/%d", base, hood)),
				chromedp.WaitVisible(fmt.Sprintf(`a[href="/neighbourhoods/%d/agenda"]`, hood), chromedp.ByQuery),
				measure("neighbourhood"), shot("1-neighbourhood"),
				chromedp.Click(fmt.Sprintf(`a[href="/neighbourhoods/%d/agenda"]`, hood), chromedp.ByQuery),
				chromedp.WaitVisible(fmt.Sprintf(`a[href="/meetups/%d"]`, bike), chromedp.ByQuery),
				chromedp.Text(`main`, &agenda, chromedp.ByQuery),
				measure("agenda"), shot("2-agenda"),
				chromedp.Click(fmt.Sprintf(`a[href="/meetups/%d"]`, bike), chromedp.ByQuery),
				chromedp.WaitVisible(`#my-rsvp`, chromedp.ByQuery),
				chromedp.Text(`main`, &before, chromedp.ByQuery),
				measure("meetup"), shot("3-meetup"),
				// Jan already goes with one companion; he brings no one after all, which frees a place.
				chromedp.SetValue(`#f-companions`, "0", chromedp.ByQuery),
				chromedp.Submit(`form.rsvp-form`, chromedp.ByQuery),
				chromedp.WaitVisible(`#my-rsvp`, chromedp.ByQuery),
				chromedp.Text(`main`, &after, chromedp.ByQuery),
				shot("4-after-change"),
				chromedp.Click(`header form[action="/signout"] button`, chromedp.ByQuery),
				chromedp.WaitVisible(`a[href="/signin"]`, chromedp.ByQuery),
				signIn("youssef"),
				chromedp.Navigate(fmt.Sprintf("%s/meetups/%d/attendance", base, bike)),
				chromedp.WaitVisible(`main h1`, chromedp.ByQuery),
				chromedp.Text(`main`, &attendance, chromedp.ByQuery),
				measure("attendance"), shot("5-attendance"),
			)
			if err != nil {
				t.Fatalf("browser: %v (screenshots in server/%s)\nChromium said:\n%s", err, screenshotDir, tail(output.String(), 3000))
			}
			if !strings.Contains(agenda, "Fietsherstelles") || !strings.Contains(agenda, "Soepcafé") {
				t.Errorf("the agenda does not list the demo meetups:\n%s", agenda)
			}
			if !strings.Contains(before, "Fietsherstelles") {
				t.Errorf("meetup page:\n%s", before)
			}
			// Demo: capacity 4, Fatima, Jan+1, Mireille going; Tomas first on the waitlist gets Jan's freed place.
			var tomas string
			a.db.Gorm.Raw(`SELECT r.status FROM rsvps r JOIN users u ON u.id = r.user_id
				WHERE r.meetup_id = ? AND u.username = 'tomas'`, bike).Scan(&tomas)
			if tomas != "going" {
				t.Errorf("the freed place did not go to Tomas, first on the waitlist: %s", tomas)
			}
			for _, name := range []string{"Fatima", "Jan", "Tomas"} {
				if !strings.Contains(attendance, name) {
					t.Errorf("attendance list lacks %s:\n%s", name, attendance)
				}
			}
			for _, w := range widths {
				t.Error(w)
			}
			if p := problems(); len(p) > 0 {
				t.Errorf("browser reported errors:\n%s", strings.Join(p, "\n"))
			}
		})
	}
}
