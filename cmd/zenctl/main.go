package main

import (
	_ "github.com/charmbracelet/lipgloss"
	_ "github.com/gofrs/flock"
	_ "github.com/google/uuid"
	_ "github.com/itchyny/gojq"
	_ "github.com/pkg/browser"
	_ "github.com/rogpeppe/go-internal/testscript"
	_ "github.com/spf13/cobra"
	_ "github.com/spf13/cobra/doc"
	_ "github.com/spf13/viper"
	_ "github.com/zalando/go-keyring"
	_ "golang.org/x/term"
	_ "gopkg.in/yaml.v3"
	_ "golang.org/x/crypto/bcrypt"
)

func main() {}
