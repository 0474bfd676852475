// Package docs holds what the command tree says for its generated
// reference (internal/docsgen writes it). It imports nothing of the
// generators, so the zenctl binary carries none of them.
package docs

// ArgBeforeAnnotation, on a command, names the argument its parent takes
// before it: `service-account api-key SA_NAME_OR_ID list`, a shape
// cobra's UseLine cannot express, so the reference would show
// `service-account api-key list`, which fails.
const ArgBeforeAnnotation = "zenctl/arg-before"
