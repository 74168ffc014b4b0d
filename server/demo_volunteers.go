package main

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"nabij/models"
)

// demoVolunteer is a volunteer profile of the demo: who, in which neighbourhoods (indexes into
// the demo's), what they can do (skill ids of the catalog), their languages, when they are free.
type demoVolunteer struct {
	username    string
	hoods       []int
	skills      []int
	interests   []string
	languages   []string
	slots       []models.Slot
	mode        models.HelpMode
	maxHours    int
	phone       string
	constraints string
	paused      bool
}

// demoHelpers are residents of the demo who only come to help; they sign in with the demo
// password too.
var demoHelpers = []demoPerson{
	{"Amina", "amina", models.RoleResident, 0},
	{"Kevin", "kevin", models.RoleResident, 1},
	{"Olena", "olena", models.RoleResident, 0},
	{"Mehmet", "mehmet", models.RoleResident, 1},
}

func slot(day time.Weekday, start, end string) models.Slot {
	return models.Slot{Weekday: int(day), Start: start, End: end}
}

var demoVolunteers = []demoVolunteer{
	{username: "jan", hoods: []int{0}, skills: []int{201, 702, 801, 901}, interests: []string{"food", "activities"}, languages: []string{"nl", "en"},
		slots: []models.Slot{slot(time.Tuesday, "18:00", "22:00"), slot(time.Thursday, "09:00", "15:00"), slot(time.Saturday, "10:00", "17:00")},
		mode:  models.HelpBoth, phone: "0470 11 22 33", constraints: "Ik heb geen auto, wel een fiets."},
	{username: "fatima", hoods: []int{0}, skills: []int{801, 502, 101, 903}, interests: []string{"food", "language"}, languages: []string{"nl", "ar", "fr"},
		slots: []models.Slot{slot(time.Monday, "09:00", "13:00"), slot(time.Tuesday, "09:00", "13:00"), slot(time.Wednesday, "09:00", "13:00"),
			slot(time.Thursday, "09:00", "13:00"), slot(time.Friday, "09:00", "13:00")},
		mode: models.HelpRegular, maxHours: 10, phone: "0485 22 33 44"},
	{username: "amina", hoods: []int{0, 1}, skills: []int{103, 101, 104, 801}, interests: []string{"company", "food"}, languages: []string{"ar", "fr", "nl"},
		slots: []models.Slot{slot(time.Tuesday, "09:00", "13:00"), slot(time.Thursday, "09:00", "13:00"), slot(time.Friday, "14:00", "18:00")},
		mode:  models.HelpRegular, phone: "0486 12 12 12", constraints: "Liefst niet na 18 uur: dan haal ik de kinderen op."},
	{username: "kevin", hoods: []int{1, 0}, skills: []int{403, 401, 402, 302}, interests: []string{"paperwork", "digital"}, languages: []string{"nl", "en", "fr"},
		slots: []models.Slot{slot(time.Monday, "18:00", "22:00"), slot(time.Wednesday, "18:00", "22:00")},
		mode:  models.HelpOneOff, maxHours: 8, phone: "0497 98 76 54"},
	{username: "olena", hoods: []int{0}, skills: []int{602, 601, 205}, interests: []string{"children"}, languages: []string{"uk", "ru", "en"},
		slots: []models.Slot{slot(time.Wednesday, "13:00", "17:00"), slot(time.Friday, "13:00", "17:00")}, mode: models.HelpBoth, paused: true},
	{username: "mehmet", hoods: []int{1}, skills: []int{103, 701, 203}, interests: []string{"mobility"}, languages: []string{"tr", "nl"},
		slots: []models.Slot{slot(time.Tuesday, "08:00", "12:00"), slot(time.Friday, "08:00", "12:00")}, mode: models.HelpBoth, phone: "0472 45 45 45"},
}

// fillDemoVolunteers adds volunteers with varied skills, languages and times (one profile made
// by a worker, with consent; one on a break), and open needs: helpers for the next soup café (with
// last week's shift done: hours checked in, and hours logged that wait for the organiser), a
// resident's weekly request to shop together, helpers for the bike lesson, and a request that is
// by invitation only, with one invitation waiting.
func fillDemoVolunteers(ctx context.Context, tx *gorm.DB, loc *time.Location, hoods []*models.Neighbourhood, p map[string]*models.User) error {
	for _, h := range demoHelpers {
		u, err := models.Register(ctx, tx, models.Registration{DisplayName: h.name, Username: h.username, Password: demoPassword,
			Language: "nl", NeighbourhoodID: hoods[h.hood].ID})
		if err != nil {
			return fmt.Errorf("demo helper %s: %w", h.name, err)
		}
		p[h.username] = u
	}
	for _, v := range demoVolunteers {
		in := models.VolunteerInput{Skills: v.skills, Interests: v.interests, Languages: v.languages, Availability: v.slots, HelpMode: v.mode,
			Phone: v.phone, Constraints: v.constraints, ConsentToAsk: true, Paused: v.paused}
		for _, i := range v.hoods {
			in.Neighbourhoods = append(in.Neighbourhoods, hoods[i].ID)
		}
		if v.maxHours > 0 {
			in.MaxHoursMonth = &v.maxHours
		}
		if _, err := models.SaveVolunteer(ctx, tx, p[v.username], in); err != nil {
			return fmt.Errorf("demo volunteer %s: %w", v.username, err)
		}
	}
	// Els made Tomas's profile with him at the neighbourhood office: he has no smartphone.
	tomas := models.VolunteerInput{Skills: []int{201, 702, 302}, Languages: []string{"nl", "en", "pl"}, Neighbourhoods: []int64{hoods[1].ID, hoods[0].ID},
		Availability: []models.Slot{slot(time.Saturday, "09:00", "18:00"), slot(time.Sunday, "10:00", "16:00")}, HelpMode: models.HelpOneOff,
		ConsentToAsk: true, Consent: true}
	if _, err := models.SaveVolunteerFor(ctx, tx, p["els"], p["tomas"].ID, tomas); err != nil {
		return fmt.Errorf("demo volunteer tomas: %w", err)
	}
	if err := demoSoupNeed(ctx, tx, loc, p); err != nil {
		return err
	}
	return demoRequests(ctx, tx, loc, hoods, p)
}

// demoNeed creates a need with shifts of the given length.
func demoNeed(ctx context.Context, tx *gorm.DB, loc *time.Location, by *models.User, in models.NewNeed, starts []time.Time, length time.Duration, places int) (*models.NeedDetail, error) {
	for _, s := range starts {
		end := s.Add(length)
		in.Shifts = append(in.Shifts, models.ShiftInput{StartsAt: &s, EndsAt: &end, Places: &places})
	}
	d, err := models.CreateNeed(ctx, tx, by, in, loc)
	if err != nil {
		return nil, fmt.Errorf("demo need %s: %w", *in.Title, err)
	}
	return d, nil
}

// demoSoupNeed asks for helpers at the next soup café (cooking before, washing up after), with
// last week's shift done: Jan checked in, Amina logged her hours afterwards.
func demoSoupNeed(ctx context.Context, tx *gorm.DB, loc *time.Location, p map[string]*models.User) error {
	var next models.Meetup
	err := tx.Where("title = 'Soepcafé' AND starts_at > now() + interval '3 hours'").Order("starts_at").Take(&next).Error
	if err != nil {
		return fmt.Errorf("demo: next soup café: %w", err)
	}
	start := next.StartsAt.In(loc)
	cook := time.Date(start.Year(), start.Month(), start.Day(), 10, 0, 0, 0, loc)
	d, err := demoNeed(ctx, tx, loc, p["fatima"], models.NewNeed{MeetupID: &next.ID, NeedInput: models.NeedInput{
		Title:       new("Helpen in het Soepcafé"),
		Description: new("Voor de soep: groenten snijden en koken vanaf 10 uur. Na de soep: afwassen en opruimen. Schorten zijn er."),
		PlaceName:   new("Buurthuis Rabot"), PlaceAddress: new("Wondelgemstraat 100, 9000 Gent"), NiceSkills: &[]int{801, 903}}},
		[]time.Time{cook}, 2*time.Hour, 3)
	if err != nil {
		return err
	}
	washUp := next.EndsAt
	if _, err := models.AddShifts(ctx, tx, p["fatima"], d.ID, []models.ShiftInput{{StartsAt: &washUp, EndsAt: new(washUp.Add(time.Hour)), Places: new(2)}}); err != nil {
		return fmt.Errorf("demo: washing-up shift: %w", err)
	}
	if _, err := models.SignUpForShift(ctx, tx, p["jan"], d.Shifts[0].ID, models.SignupInput{}); err != nil {
		return fmt.Errorf("demo: Jan helps cooking: %w", err)
	}
	// Last week's shift, signed up for before it started (sign-ups close at the start).
	lastWeek := cook.AddDate(0, 0, -7)
	for !lastWeek.Add(2 * time.Hour).Before(time.Now()) {
		lastWeek = lastWeek.AddDate(0, 0, -7)
	}
	var past int64
	err = tx.Raw(`INSERT INTO shifts (need_id, neighbourhood_id, starts_at, ends_at, places) VALUES (?, ?, ?, ?, 3) RETURNING id`,
		d.ID, d.NeighbourhoodID, lastWeek, lastWeek.Add(2*time.Hour)).Scan(&past).Error
	if err != nil {
		return fmt.Errorf("demo: last week's shift: %w", err)
	}
	for _, name := range []string{"jan", "amina"} {
		if err := tx.Exec("INSERT INTO shift_signups (shift_id, user_id, status) VALUES (?, ?, 'signed_up')", past, p[name].ID).Error; err != nil {
			return fmt.Errorf("demo: last week's sign-ups: %w", err)
		}
	}
	if _, err := models.CheckInVolunteer(ctx, tx, p["fatima"], past, p["jan"].ID); err != nil {
		return fmt.Errorf("demo: Jan's check-in: %w", err)
	}
	if _, err := models.LogHours(ctx, tx, p["amina"], past, models.HoursInput{Minutes: 90, Note: "Ik moest iets vroeger weg."}); err != nil {
		return fmt.Errorf("demo: Amina's hours: %w", err)
	}
	return nil
}

// demoRequests are the needs standing alone: Mireille's weekly shopping (Mehmet goes the first
// Tuesday, Amina is on its reserve list), helpers for the bike lesson, and Fatima's tax return,
// by invitation only, with Kevin asked.
func demoRequests(ctx context.Context, tx *gorm.DB, loc *time.Location, hoods []*models.Neighbourhood, p map[string]*models.User) error {
	today := time.Now().In(loc)
	next := func(day time.Weekday, hour, minute int) time.Time {
		d := today.AddDate(0, 0, 1)
		for d.Weekday() != day {
			d = d.AddDate(0, 0, 1)
		}
		return time.Date(d.Year(), d.Month(), d.Day(), hour, minute, 0, 0, loc)
	}
	shopping, err := demoNeed(ctx, tx, loc, p["els"], models.NewNeed{NeighbourhoodID: hoods[1].ID, ResidentID: &p["mireille"].ID,
		RRule: "FREQ=WEEKLY;COUNT=8", NeedInput: models.NeedInput{
			Title:          new("Samen boodschappen doen op dinsdag"),
			Description:    new("Mireille loopt moeilijk en doet graag zelf haar boodschappen, met iemand erbij die de tassen draagt. Supermarkt om de hoek."),
			PlaceName:      new("Bij Mireille thuis"),
			RequiredSkills: &[]int{103}, Languages: &[]string{"nl", "fr"}}},
		[]time.Time{next(time.Tuesday, 10, 0)}, 90*time.Minute, 1)
	if err != nil {
		return err
	}
	for _, name := range []string{"mehmet", "amina"} {
		if _, err := models.SignUpForShift(ctx, tx, p[name], shopping.Shifts[0].ID, models.SignupInput{}); err != nil {
			return fmt.Errorf("demo: %s goes shopping: %w", name, err)
		}
	}
	var bike models.Meetup
	if err := tx.Where("title = 'Fietsherstelles'").Take(&bike).Error; err != nil {
		return fmt.Errorf("demo: bike lesson: %w", err)
	}
	if _, err := demoNeed(ctx, tx, loc, p["youssef"], models.NewNeed{MeetupID: &bike.ID, NeedInput: models.NeedInput{
		Title:      new("Begeleiders voor de fietsherstelles"),
		NiceSkills: &[]int{702, 201}}}, []time.Time{bike.StartsAt.Add(-30 * time.Minute)}, bike.EndsAt.Sub(bike.StartsAt)+30*time.Minute, 2); err != nil {
		return err
	}
	tax, err := demoNeed(ctx, tx, loc, p["youssef"], models.NewNeed{NeighbourhoodID: hoods[0].ID, ResidentID: &p["fatima"].ID, NeedInput: models.NeedInput{
		Title:          new("Hulp bij de belastingaangifte"),
		Description:    new("Samen de aangifte invullen op Tax-on-web. Fatima brengt haar papieren mee."),
		PlaceName:      new("Buurthuis Rabot, vergaderzaal"),
		RequiredSkills: &[]int{403}, Access: new(models.NeedByInvitation)}},
		[]time.Time{next(time.Wednesday, 18, 30)}, 90*time.Minute, 1)
	if err != nil {
		return err
	}
	if _, err := models.InviteVolunteers(ctx, tx, p["youssef"], tax.ID, models.InviteInput{ShiftID: tax.Shifts[0].ID, UserIDs: []int64{p["kevin"].ID},
		Message: "Kevin, jij kent de aangifte goed. Kun je Fatima helpen?"}); err != nil {
		return fmt.Errorf("demo: invitation: %w", err)
	}
	return nil
}
