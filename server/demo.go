package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"nabij/models"
)

// demoPassword signs in every demo account; it is listed on the sign-in page in demo mode only.
const demoPassword = "buurt-demo-2026"

// demoAccount is one row of the sign-in page's demo table.
type demoAccount struct {
	Name       string
	Identifier string
	Password   string
	RoleMsg    string
}

type demoPerson struct {
	name, username string
	role           models.Role
	hood           int // index into demoNeighbourhoods, -1 for none
}

var demoNeighbourhoods = []models.NeighbourhoodInput{
	{Name: ptr("Rabot"), Municipality: ptr("Gent"), Description: ptr("Wijk rond de Rabottorens en het Blaisantvest: jong, meertalig, veel gezinnen. Het buurthuis is open van maandag tot vrijdag.")},
	{Name: ptr("Brugse Poort"), Municipality: ptr("Gent"), Description: ptr("Volkse wijk tussen de Brugse Poort en de Bloemekenswijk, met de Groene Vallei als ontmoetingsplek.")},
}

var demoPeople = []demoPerson{
	{"Sanne Peeters", "sanne", models.RoleCoordinator, -1},
	{"Youssef Amrani", "youssef", models.RoleWorker, 0},
	{"Els Van Damme", "els", models.RoleWorker, 1},
	{"Fatima", "fatima", models.RoleResident, 0},
	{"Jan", "jan", models.RoleResident, 0},
	{"Mireille", "mireille", models.RoleResident, 1},
	{"Tomas", "tomas", models.RoleResident, 1},
}

// fillDemo puts a believable demo in an empty database, and never touches one that holds data.
// Dates are laid out around today in loc, the installation's time zone.
func fillDemo(ctx context.Context, db *gorm.DB, log *slog.Logger, loc *time.Location) error {
	var n int64
	if err := db.WithContext(ctx).Raw("SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM neighbourhoods)").Scan(&n).Error; err != nil {
		return fmt.Errorf("check for existing data: %w", err)
	}
	if n > 0 {
		log.Warn("demo data not added: the database already holds data")
		return nil
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var hoods []*models.Neighbourhood
		people := map[string]*models.User{}
		for _, in := range demoNeighbourhoods {
			h, err := models.CreateNeighbourhood(ctx, tx, in)
			if err != nil {
				return fmt.Errorf("demo neighbourhood: %w", err)
			}
			hoods = append(hoods, h)
		}
		for _, p := range demoPeople {
			r := models.Registration{DisplayName: p.name, Username: p.username, Password: demoPassword, Language: "nl"}
			if p.hood >= 0 {
				r.NeighbourhoodID = hoods[p.hood].ID
			}
			u, err := models.Register(ctx, tx, r)
			if err != nil {
				return fmt.Errorf("demo person %s: %w", p.name, err)
			}
			people[p.username] = u
			if p.role != models.RoleResident {
				u.Role = p.role
				if err := tx.Model(u).Update("role", p.role).Error; err != nil {
					return err
				}
			}
			if p.role == models.RoleWorker {
				if err := models.AssignWorker(ctx, tx, hoods[p.hood].ID, u.ID); err != nil {
					return err
				}
			}
		}
		if err := fillDemoMeetups(ctx, tx, loc, hoods, people); err != nil {
			return fmt.Errorf("demo groups and meetups: %w", err)
		}
		if err := fillDemoVolunteers(ctx, tx, loc, hoods, people); err != nil { // volunteers (issue 6)
			return fmt.Errorf("demo volunteers and needs: %w", err)
		}
		if err := tx.Exec("INSERT INTO settings (key, value) VALUES ('demo', 'filled')").Error; err != nil {
			return err
		}
		log.Info("demo data added", "password", demoPassword)
		return nil
	})
}

// demoAccounts lists the demo sign-ins, when this database holds the demo.
func demoAccounts(ctx context.Context, db *gorm.DB) ([]demoAccount, error) {
	var n int64
	if err := db.WithContext(ctx).Raw("SELECT count(*) FROM settings WHERE key = 'demo'").Scan(&n).Error; err != nil {
		return nil, fmt.Errorf("check demo: %w", err)
	}
	if n == 0 {
		return nil, nil
	}
	out := make([]demoAccount, 0, len(demoPeople))
	for _, p := range demoPeople {
		out = append(out, demoAccount{Name: p.name, Identifier: p.username, Password: demoPassword, RoleMsg: "role." + string(p.role)})
	}
	return out, nil
}

func ptr[T any](v T) *T { return &v }
