package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// state is what a run keeps for the next one, so that reruns skip the set-up: the coordinator's
// token and the residents made for the load, each with a token. It belongs to one Nabij (URL).
type state struct {
	URL              string     `json:"url"`
	Coordinator      string     `json:"coordinator"`
	CoordinatorToken string     `json:"coordinator_token"`
	Users            []loadUser `json:"users"`
}

// loadUser is a resident made for the load, signed in by a personal API token.
type loadUser struct {
	ID    int64  `json:"id"`
	Token string `json:"token"`
}

// loadState reads the state file; a missing file, or one about another Nabij, is a fresh start.
func loadState(path, url string) (*state, error) {
	s := &state{URL: url}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	var old state
	if err := json.Unmarshal(b, &old); err != nil {
		return nil, fmt.Errorf("%s is not a load-test state file (remove it to start afresh): %w", path, err)
	}
	if old.URL != url {
		return s, nil
	}
	return &old, nil
}

// save writes the state atomically, readable by its owner only: it holds tokens.
func (s *state) save(path string) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
