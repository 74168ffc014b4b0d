package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserTwoSessionsSeeEachOthersChangesLive has two people in two separate browsers on the
// demo: Tomas looks at the soup café while Jan signs up for it, and sees the number going and the
// places left change without reloading; then Tomas, first on the bike lesson's waitlist, looks at
// it while Jan frees a place, and sees a message (with the badge) that he got it and his own
// state turn to going, still without reloading; Youssef, who organises it, sees his attendance
// list follow. On a phone and a desktop screen.
func TestBrowserTwoSessionsSeeEachOthersChangesLive(t *testing.T) {
	for _, size := range []struct {
		name          string
		width, height int
	}{{"phone", 360, 740}, {"desktop", 1280, 800}} {
		t.Run(size.name, func(t *testing.T) {
			base, a := liveServer(t)
			if err := fillDemo(context.Background(), a.db.Gorm, testLogger(), a.cfg.Location); err != nil {
				t.Fatal(err)
			}
			var soup, bike int64
			a.db.Gorm.Raw(`SELECT id FROM meetups WHERE title = 'Soepcafé' AND starts_at > now() ORDER BY starts_at LIMIT 1`).Scan(&soup)
			a.db.Gorm.Raw("SELECT id FROM meetups WHERE title = 'Fietsherstelles'").Scan(&bike)
			jan, janProblems, janOut := newChromium(t, size.width, size.height)
			tomas, tomasProblems, tomasOut := newChromium(t, size.width, size.height)
			youssef, youssefProblems, youssefOut := newChromium(t, size.width, size.height)
			shot := func(step string) chromedp.Action { return screenshot("live-" + size.name + "-" + step) }
			signIn := func(who string) chromedp.Tasks { return demoSignIn(base, who) }
			// open loads a meetup page, marks the window (a reload would lose the mark) and waits
			// until the live connection has subscribed.
			open := func(id int64) chromedp.Tasks {
				return chromedp.Tasks{
					chromedp.Navigate(fmt.Sprintf("%s/meetups/%d", base, id)),
					chromedp.WaitVisible(`#my-rsvp`, chromedp.ByQuery),
					chromedp.Evaluate(`window.notReloaded = true`, nil),
				}
			}
			text := func(sel string, out *string) chromedp.Action { return chromedp.Text(sel, out, chromedp.ByQuery) }
			fail := func(who string, err error, out fmt.Stringer) {
				t.Helper()
				t.Fatalf("%s's browser: %v (screenshots in server/%s)\nChromium said:\n%s", who, err, screenshotDir, tail(out.String(), 3000))
			}
			if err := chromedp.Run(jan, signIn("jan")); err != nil {
				fail("jan", err, janOut)
			}
			var goingBefore, seatsBefore string
			if err := chromedp.Run(tomas, signIn("tomas"), open(soup),
				text(`[data-live-field="seats_taken"]`, &goingBefore), text(`[data-live-field="seats"]`, &seatsBefore)); err != nil {
				fail("tomas", err, tomasOut)
			}

			// Jan signs up for the soup café, in his own browser (a plain form post).
			if err := chromedp.Run(jan, open(soup), chromedp.Submit(`form.rsvp-form`, chromedp.ByQuery),
				chromedp.WaitVisible(`#my-rsvp .tag`, chromedp.ByQuery)); err != nil {
				fail("jan", err, janOut)
			}
			var going, seats string
			var kept bool
			want := fmt.Sprint(atoi(t, goingBefore) + 1)
			err := chromedp.Run(tomas,
				chromedp.Poll(fmt.Sprintf(`document.querySelector('[data-live-field="seats_taken"]').textContent === %q`, want), nil,
					chromedp.WithPollingTimeout(10*time.Second)),
				text(`[data-live-field="seats_taken"]`, &going), text(`[data-live-field="seats"]`, &seats),
				chromedp.Evaluate(`window.notReloaded === true`, &kept), shot("1-seats-changed"))
			if err != nil {
				fail("tomas", fmt.Errorf("the number going did not become %s without reloading: %w", want, err), tomasOut)
			}
			if !kept {
				t.Error("Tomas's page was reloaded; it should change in place")
			}
			if seats == seatsBefore {
				t.Errorf("places left still say %q after Jan signed up", seats)
			}

			// Tomas is first on the bike lesson's waitlist; Jan brings no companion after all.
			var mineBefore string
			if err := chromedp.Run(tomas, open(bike), text(`#my-rsvp`, &mineBefore)); err != nil {
				fail("tomas", err, tomasOut)
			}
			if !strings.Contains(mineBefore, "wachtlijst, plaats 1") {
				t.Fatalf("Tomas should be first on the waitlist:\n%s", mineBefore)
			}
			var listBefore string
			if err := chromedp.Run(youssef, signIn("youssef"), chromedp.Navigate(fmt.Sprintf("%s/meetups/%d/attendance", base, bike)),
				chromedp.WaitVisible(`#live-list`, chromedp.ByQuery), chromedp.Evaluate(`window.notReloaded = true`, nil),
				text(`#live-list`, &listBefore)); err != nil {
				fail("youssef", err, youssefOut)
			}
			if !strings.Contains(listBefore, "+ 1 mee") || !strings.Contains(listBefore, "Wachtlijst, nummer 1") {
				t.Fatalf("the attendance list should show Jan with a companion and Tomas waiting:\n%s", listBefore)
			}
			if err := chromedp.Run(jan, open(bike), chromedp.SetValue(`#f-companions`, "0", chromedp.ByQuery),
				chromedp.Submit(`form.rsvp-form`, chromedp.ByQuery), chromedp.WaitVisible(`#my-rsvp`, chromedp.ByQuery)); err != nil {
				fail("jan", err, janOut)
			}
			var message, badge, mine string
			err = chromedp.Run(tomas,
				chromedp.WaitVisible(`#live-messages .live-message`, chromedp.ByQuery),
				text(`#live-messages`, &message), text(`a.notif .badge`, &badge),
				chromedp.Poll(`document.querySelector('#my-rsvp .tag') && document.querySelector('#my-rsvp .tag').textContent === 'Je komt'`, nil,
					chromedp.WithPollingTimeout(10*time.Second)),
				text(`#my-rsvp`, &mine), chromedp.Evaluate(`window.notReloaded === true`, &kept), shot("2-got-a-place"))
			if err != nil {
				fail("tomas", fmt.Errorf("no live message or state after the freed place: %w", err), tomasOut)
			}
			if !strings.Contains(message, "Fietsherstelles") || !strings.Contains(message, "plaats vrij") {
				t.Errorf("the message does not say Tomas got a place at the bike lesson: %q", message)
			}
			if badge != "1" {
				t.Errorf("the badge says %q, want 1 new message", badge)
			}
			if !kept {
				t.Error("Tomas's page was reloaded; it should change in place")
			}
			var list string
			err = chromedp.Run(youssef,
				chromedp.Poll(`!document.querySelector('#live-list').textContent.includes('+ 1 mee')`, nil, chromedp.WithPollingTimeout(10*time.Second)),
				text(`#live-list`, &list), chromedp.Evaluate(`window.notReloaded === true`, &kept), shot("3-attendance"))
			if err != nil {
				fail("youssef", fmt.Errorf("the attendance list did not follow Jan's change: %w", err), youssefOut)
			}
			var tomasRow string
			if err := chromedp.Run(youssef, chromedp.Evaluate(`Array.from(document.querySelectorAll('#live-list li')).map(li => li.textContent).find(t => t.includes('Tomas')) || ''`, &tomasRow)); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(tomasRow, "Ingeschreven") || !kept {
				t.Errorf("the attendance list should show Tomas going now, without reloading (kept %v):\n%s", kept, list)
			}
			var live string
			if err := chromedp.Run(tomas, chromedp.AttributeValue(`#live-messages`, "aria-live", &live, nil, chromedp.ByQuery)); err != nil || live != "polite" {
				t.Errorf("the message region is not announced politely: %q %v", live, err)
			}
			for who, problems := range map[string]func() []string{"jan": janProblems, "tomas": tomasProblems, "youssef": youssefProblems} {
				if p := problems(); len(p) > 0 {
					t.Errorf("%s's browser reported errors:\n%s", who, strings.Join(p, "\n"))
				}
			}
		})
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(strings.TrimSpace(s), &n); err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return n
}
