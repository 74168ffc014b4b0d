package models

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// The two rankings are asked on every look at a need or at "needs for me": their queries run
// straight on the connection, with named parameters bound here and rows scanned by hand. GORM's
// statement building, its SQL recorder and its reflection cost more Go time than the query takes
// in PostgreSQL.

// rawQuery runs query, whose parameters are written @name, with the named values, and calls scan
// for every row.
func rawQuery(ctx context.Context, db *gorm.DB, query string, named map[string]any, scan func(*sql.Rows) error) error {
	q, args, err := bindNamed(query, named)
	if err != nil {
		return err
	}
	return scanRows(db.WithContext(ctx).Statement.ConnPool.QueryContext(ctx, q, args...))(scan)
}

// withGenericPlans runs fn in a read-only transaction that asks PostgreSQL for its generic plans.
// Left to choose, PostgreSQL plans some statements anew at every call because their estimated
// cost depends on the values, though the plan comes out the same or better: measured with
// 100,000 profiles, a need without required skills or languages was ranked in 2.7 ms of which
// 0.9 ms planning, and in 1.5 ms with the generic plan; the shift's lookup planned for 0.45 ms
// each time. The transaction is rolled back, not committed: it only read, and a commit wakes the
// live updates for nothing.
func withGenericPlans(ctx context.Context, db *gorm.DB, fn func(tx *gorm.DB) error) error {
	tx := db.WithContext(ctx).Begin(&sql.TxOptions{ReadOnly: true})
	if tx.Error != nil {
		return tx.Error
	}
	defer tx.Rollback()
	if err := tx.Exec("SET LOCAL plan_cache_mode = force_generic_plan").Error; err != nil {
		return err
	}
	return fn(tx)
}

// scanRows calls scan for every row of a query's result.
func scanRows(rows *sql.Rows, err error) func(func(*sql.Rows) error) error {
	return func(scan func(*sql.Rows) error) error {
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
}

// bindNamed turns @name parameters into PostgreSQL's $1, $2, ... with the values in that order.
// An @ not followed by a letter (the operators @> and <@) is left alone; every name must be given.
func bindNamed(query string, named map[string]any) (string, []any, error) {
	var b strings.Builder
	b.Grow(len(query))
	var args []any
	index := map[string]int{}
	for i := 0; i < len(query); i++ {
		c := query[i]
		if c != '@' || i+1 >= len(query) || query[i+1] < 'a' || query[i+1] > 'z' {
			b.WriteByte(c)
			continue
		}
		j := i + 1
		for j < len(query) && (query[j] == '_' || (query[j] >= 'a' && query[j] <= 'z') || (query[j] >= '0' && query[j] <= '9')) {
			j++
		}
		name := query[i+1 : j]
		v, ok := named[name]
		if !ok {
			return "", nil, fmt.Errorf("query parameter @%s has no value", name)
		}
		n, seen := index[name]
		if !seen {
			args = append(args, v)
			n = len(args)
			index[name] = n
		}
		b.WriteString("$" + strconv.Itoa(n))
		i = j - 1
	}
	return b.String(), args, nil
}
