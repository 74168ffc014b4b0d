package main

import (
	"github.com/gofiber/fiber/v2"

	"nabij/models"
)

// Roles: coordinators make someone a community worker or coordinator, or a resident again.

var roles = []models.Role{models.RoleResident, models.RoleWorker, models.RoleCoordinator}

func (a *app) usersPage(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	return a.renderUsers(c, fiber.StatusOK, u, nil, c.Query("saved") == "1")
}

func (a *app) renderUsers(c *fiber.Ctx, status int, u *models.User, f *form, saved bool) error {
	rows, err := models.Accounts(c.UserContext(), a.db.Gorm, u)
	if err != nil {
		return err
	}
	return a.render(c, status, "users", fiber.Map{"Users": rows, "Roles": roles, "Form": f, "Saved": saved, "Me": u.ID})
}

// setRolePage changes one person's role from the coordinator's list.
func (a *app) setRolePage(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	target, err := models.SetRole(c.UserContext(), a.db.Gorm, u, id, models.Role(c.FormValue("role")))
	if err != nil {
		f, status, ferr := a.formFailure(c, err, map[string]string{})
		if ferr != nil || status == fiber.StatusForbidden || status == fiber.StatusNotFound {
			return err
		}
		return a.renderUsers(c, status, u, f, false)
	}
	if target.ID == u.ID && !models.CanChangeRoles(target) {
		return c.Redirect("/profile", fiber.StatusSeeOther) // no longer a coordinator: the list is closed now
	}
	return c.Redirect("/users?saved=1", fiber.StatusSeeOther)
}

type roleRequest struct {
	Role models.Role `json:"role"`
}

// apiSetRole is PATCH /api/v1/users/:id with {"role": "worker"}; coordinators only.
func (a *app) apiSetRole(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if !models.CanChangeRoles(u) {
		return models.ErrForbidden
	}
	var r roleRequest
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	target, err := models.SetRole(c.UserContext(), a.db.Gorm, u, id, r.Role)
	if err != nil {
		return err
	}
	return c.JSON(userRoleJSON{PublicUser: target.Public(), Role: target.Role})
}

// userRoleJSON is a person as a coordinator sees them: public details and the role.
type userRoleJSON struct {
	models.PublicUser
	Role models.Role `json:"role"`
}
