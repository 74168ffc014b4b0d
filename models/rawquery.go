package models

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// The two rankings are asked on every look at a need or at "needs for me": their queries run
// straight on the connection, with named parameters bound here and rows scanned by hand. GORM's
// statement building, its SQL recorder and its reflection cost more Go time than the query takes
// in PostgreSQL.

// resultRow is one row of a result, from database/sql or pgx alike.
type resultRow interface{ Scan(dest ...any) error }

// rawQuery runs query, whose parameters are written @name, with the named values, and calls scan
// for every row.
func rawQuery(ctx context.Context, db *gorm.DB, query string, named map[string]any, scan func(resultRow) error) error {
	q, args, err := bindNamed(query, named)
	if err != nil {
		return err
	}
	return scanRows(db.WithContext(ctx).Statement.ConnPool.QueryContext(ctx, q, args...))(func(rs *sql.Rows) error { return scan(rs) })
}

// rawQueryGeneric is rawQuery with PostgreSQL's generic plan of the statement (queryGeneric), for
// statements it would otherwise plan anew at every call because their estimated cost depends on
// the values, though the plan comes out the same or better. Measured with 100,000 profiles: a need
// without required skills or languages was ranked in 2.7 ms of which 0.9 ms planning, and in
// 1.5 ms with the generic plan. The setting
// travels in the statement's own pipeline: a read-only transaction around the reads (BEGIN, SET
// LOCAL, ROLLBACK) cost three more round trips, a third of Nabij's time for a ranking. db must be
// the pool. pgx reads the rows in binary, which the array types' Scan does not take: arrays are
// selected as ::text.
func rawQueryGeneric(ctx context.Context, db *gorm.DB, query string, named map[string]any, scan func(resultRow) error) error {
	q, args, err := bindNamed(query, named)
	if err != nil {
		return err
	}
	return queryGeneric(ctx, db.WithContext(ctx), func(rows pgx.Rows) error {
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}, q, args...)
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
