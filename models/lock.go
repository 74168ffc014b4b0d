package models

import "gorm.io/gorm/clause"

// lockForUpdate is SELECT ... FOR UPDATE: the row stays ours until the transaction ends.
var lockForUpdate = clause.Locking{Strength: "UPDATE"}
