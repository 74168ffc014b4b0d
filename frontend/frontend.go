// Package frontend owns everything a browser receives that is not generated per request: the
// HTML templates, the static assets and the translation catalog. All of it is embedded in the
// binary, so a Nabij binary is complete on its own.
package frontend

import (
	"embed"
	"io/fs"
)

//go:embed templates static i18n
var files embed.FS

// Templates holds the html/template files; layout.html wraps every page.
func Templates() fs.FS { return sub("templates") }

// Static holds the stylesheet, scripts and icons served under /static/.
func Static() fs.FS { return sub("static") }

// Catalog holds the translation files, one JSON object per language (nl.json is the source).
func Catalog() fs.FS { return sub("i18n") }

func sub(dir string) fs.FS {
	f, err := fs.Sub(files, dir)
	if err != nil {
		panic(err) // the directory is embedded at build time; missing means a broken build
	}
	return f
}
