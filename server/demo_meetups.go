package main

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"nabij/models"
)

// fillDemoMeetups gives the demo neighbourhoods life: groups of each kind of membership, a weekly
// soup café that started three weeks ago (its past Thursdays with attendance), a bike repair
// lesson that is full with a waitlist, a monthly repair café, a private group's meetup and a
// draft. Past meetups get their sign-ups and check-ins directly, as sign-ups close at the start.
func fillDemoMeetups(ctx context.Context, tx *gorm.DB, loc *time.Location, hoods []*models.Neighbourhood, p map[string]*models.User) error {
	rabot, poort := hoods[0].ID, hoods[1].ID
	soup, err := demoGroup(ctx, tx, p["fatima"], rabot, "Soepcafé Rabot", models.MembershipOpen,
		"Elke donderdag koken we samen soep en eten we samen. Iedereen welkom, ook zonder kookkunst.")
	if err != nil {
		return err
	}
	sewing, err := demoGroup(ctx, tx, p["youssef"], rabot, "Naaiatelier", models.MembershipClosed,
		"Samen kleren herstellen en leren naaien. Er zijn zes machines, daarom werken we met aanvraag.")
	if err != nil {
		return err
	}
	mothers, err := demoGroup(ctx, tx, p["fatima"], rabot, "Moedergroep", models.MembershipPrivate,
		"Een besloten groep voor jonge moeders uit de wijk. Alleen op uitnodiging.")
	if err != nil {
		return err
	}
	repair, err := demoGroup(ctx, tx, p["tomas"], poort, "Repair Café Brugse Poort", models.MembershipOpen,
		"Kapotte lamp, fiets of broek? Samen herstellen we het in de Groene Vallei.")
	if err != nil {
		return err
	}
	for _, j := range []struct {
		u *models.User
		g *models.Group
	}{{p["jan"], soup}, {p["youssef"], soup}, {p["fatima"], sewing}, {p["mireille"], repair}} {
		if _, err := models.JoinGroup(ctx, tx, j.u, j.g.ID, ""); err != nil {
			return fmt.Errorf("join %s: %w", j.g.Name, err)
		}
	}
	if _, err := models.JoinGroup(ctx, tx, p["jan"], sewing.ID, "Ik wil graag leren naaien, ik heb thuis een oude machine."); err != nil {
		return err
	}
	post, err := models.CreatePost(ctx, tx, p["fatima"], soup.ID, "Wie brengt er donderdag groenten mee? Ik zorg voor linzen en kruiden.")
	if err != nil {
		return err
	}
	if _, err := models.CommentOnPost(ctx, tx, p["jan"], post.ID, "Ik breng wortels en ajuin mee!"); err != nil {
		return err
	}

	today := time.Now().In(loc)
	day := func(offset, hour, minute int) time.Time {
		return time.Date(today.Year(), today.Month(), today.Day()+offset, hour, minute, 0, 0, loc)
	}
	// The Thursday three weeks ago, weekly for twelve weeks.
	thursday := (int(time.Thursday) - int(today.Weekday()) + 7) % 7
	first := day(thursday-21, 12, 0)
	series, err := demoMeetup(ctx, tx, loc, p["fatima"], models.NewMeetup{NeighbourhoodID: rabot, GroupID: &soup.ID, RRule: "FREQ=WEEKLY;COUNT=12",
		MeetupInput: demoInput("Soepcafé", "We koken samen soep met groenten van de markt en eten samen aan de lange tafel. Kinderen welkom.",
			first, 2*time.Hour, 30, models.Place{Name: "Buurthuis Rabot", Address: "Wondelgemstraat 100, 9000 Gent"},
			models.Facts{WheelchairAccessible: ptr(true), ChildFriendly: ptr(true), Free: true, Languages: models.Languages{"nl", "ar", "fr"}, FoodProvided: ptr(true)})})
	if err != nil {
		return err
	}
	if err := demoAttendance(tx, series.SeriesID, first, p); err != nil {
		return err
	}

	// The bike lesson is on a Saturday two to eight days away, whatever the day the demo starts:
	// Jan, free on Saturdays, is then always proposed for its helpers' need.
	saturday := (int(time.Saturday) - int(today.Weekday()) + 7) % 7
	if saturday < 2 {
		saturday += 7
	}
	bike, err := demoMeetup(ctx, tx, loc, p["youssef"], models.NewMeetup{NeighbourhoodID: rabot,
		MeetupInput: demoInput("Fietsherstelles", "Leer je band plakken en je remmen afstellen. Breng je fiets mee; gereedschap is er.",
			day(saturday, 14, 0), 2*time.Hour, 4, models.Place{Name: "Fietspunt Rabot", Address: "Gasmeterlaan 12, 9000 Gent"},
			models.Facts{ChildFriendly: ptr(true), Free: true, Languages: models.Languages{"nl", "en"}, Interpreter: ptr(false)})})
	if err != nil {
		return err
	}
	for _, s := range []struct {
		u          *models.User
		companions int
	}{{p["fatima"], 0}, {p["jan"], 1}, {p["mireille"], 0}, {p["tomas"], 0}} {
		if _, err := models.SetRSVP(ctx, tx, s.u, bike.ID, models.RSVPInput{Status: models.RSVPGoing, Companions: s.companions}); err != nil {
			return fmt.Errorf("demo sign-up: %w", err)
		}
	}
	for _, name := range []string{"Karim", "Lies"} {
		if _, _, err := models.SignUpGuest(ctx, tx, nil, bike.ID, models.GuestInput{Name: name}); err != nil {
			return fmt.Errorf("demo guest: %w", err)
		}
	}

	if _, err := demoMeetup(ctx, tx, loc, p["tomas"], models.NewMeetup{NeighbourhoodID: poort, GroupID: &repair.ID, RRule: "FREQ=MONTHLY;BYDAY=2SA;COUNT=6",
		MeetupInput: demoInput("Repair Café", "Vrijwilligers helpen je kapotte spullen herstellen. Koffie en taart staan klaar.",
			secondSaturday(today, loc), 3*time.Hour, 0, models.Place{Name: "Groene Vallei", Address: "Groene Valleipark, 9000 Gent"},
			models.Facts{WheelchairAccessible: ptr(true), Free: false, Cost: "€2 voor koffie en taart", Languages: models.Languages{"nl"}, QuietSpace: ptr(true)})}); err != nil {
		return err
	}
	if _, err := demoMeetup(ctx, tx, loc, p["fatima"], models.NewMeetup{NeighbourhoodID: rabot, GroupID: &mothers.ID,
		MeetupInput: demoInput("Koffie en babbel", "Koffie, thee en een babbel terwijl de kinderen spelen.",
			day(5, 10, 0), 90*time.Minute, 12, models.Place{Name: "Speelotheek", Address: "Rabotstraat 20, 9000 Gent"},
			models.Facts{ChildFriendly: ptr(true), Free: true, Languages: models.Languages{"nl", "ar", "tr"}, QuietSpace: ptr(true)})}); err != nil {
		return err
	}
	draft := demoInput("Buurtwandeling langs de Leie", "Een rustige wandeling van een uur met uitleg over de geschiedenis van de wijk.",
		day(12, 15, 0), time.Hour, 20, models.Place{Name: "Rabottorens", Address: "Rabotstraat, 9000 Gent"},
		models.Facts{WheelchairAccessible: ptr(false), Free: true, Languages: models.Languages{"nl"}})
	draft.Publish = false
	_, err = demoMeetup(ctx, tx, loc, p["youssef"], models.NewMeetup{NeighbourhoodID: rabot, MeetupInput: draft})
	return err
}

func demoGroup(ctx context.Context, tx *gorm.DB, by *models.User, hood int64, name string, kind models.GroupMembership, about string) (*models.Group, error) {
	g, err := models.CreateGroup(ctx, tx, by, hood, models.GroupInput{Name: &name, Description: &about, Membership: &kind})
	if err != nil {
		return nil, fmt.Errorf("demo group %s: %w", name, err)
	}
	return g, nil
}

func demoMeetup(ctx context.Context, tx *gorm.DB, loc *time.Location, by *models.User, in models.NewMeetup) (*models.Meetup, error) {
	m, err := models.CreateMeetup(ctx, tx, by, in, loc)
	if err != nil {
		return nil, fmt.Errorf("demo meetup %s: %w", *in.Title, err)
	}
	return m, nil
}

// demoInput is a published meetup; capacity 0 is no limit.
func demoInput(title, about string, start time.Time, length time.Duration, capacity int, place models.Place, facts models.Facts) models.MeetupInput {
	end := start.Add(length)
	return models.MeetupInput{Title: &title, Description: &about, StartsAt: &start, EndsAt: &end, Capacity: &capacity,
		Place: &place, Facts: &facts, Publish: true}
}

// demoAttendance signs people up for the series' meetups that are over and checks most of them
// in, with a walk-in now and then: the figures a worker would see after three weeks.
func demoAttendance(tx *gorm.DB, seriesID *int64, first time.Time, p map[string]*models.User) error {
	var past []int64
	if err := tx.Raw("SELECT id FROM meetups WHERE series_id = ? AND ends_at < now() ORDER BY starts_at", seriesID).Scan(&past).Error; err != nil {
		return err
	}
	for i, id := range past {
		for j, name := range []string{"fatima", "jan", "youssef", "mireille"} {
			if (i+j)%4 == 3 {
				continue // not everyone comes every week
			}
			var rsvp int64
			if err := tx.Raw("INSERT INTO rsvps (meetup_id, user_id, status) VALUES (?, ?, 'going') RETURNING id", id, p[name].ID).Scan(&rsvp).Error; err != nil {
				return err
			}
			if j == 1 && i == 0 {
				continue // signed up, did not come
			}
			if err := tx.Exec(`INSERT INTO checkins (meetup_id, rsvp_id, user_id, walk_in, method, checked_in_by)
				VALUES (?, ?, ?, false, 'list', ?)`, id, rsvp, p[name].ID, p["fatima"].ID).Error; err != nil {
				return err
			}
		}
		if err := tx.Exec(`INSERT INTO checkins (meetup_id, walk_in, walk_in_name, companions, method, checked_in_by)
			VALUES (?, true, ?, ?, 'list', ?)`, id, []string{"Ahmed", "Rita", "buurvrouw van Jan"}[i%3], i%2, p["fatima"].ID).Error; err != nil {
			return err
		}
	}
	return nil
}

// secondSaturday is the next second Saturday of a month from today on, at 14:00.
func secondSaturday(today time.Time, loc *time.Location) time.Time {
	for month := 0; ; month++ {
		first := time.Date(today.Year(), today.Month()+time.Month(month), 1, 14, 0, 0, 0, loc)
		d := first.AddDate(0, 0, (int(time.Saturday)-int(first.Weekday())+7)%7+7)
		if d.After(today) {
			return d
		}
	}
}
