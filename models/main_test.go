package models

import (
	"os"
	"testing"

	"nabij/server/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }
