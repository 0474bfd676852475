//go:build !unix

package config

// DirIdentity names a directory; without inodes, by its path, so a moved
// directory counts as a copy (its secrets are copied to new entries).
func DirIdentity(dir string) string { return "path:" + dir }
