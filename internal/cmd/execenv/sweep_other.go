//go:build !unix

package execenv

// lockDir does nothing where flock does not exist: concurrent execs on
// such systems may rewrite a zenml file at the same time.
func lockDir(string) (unlock func()) { return func() {} }
