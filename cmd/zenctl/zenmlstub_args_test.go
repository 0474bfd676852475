package main

// fakeZenmlArg makes the test binary the stub `zenml` of the tests that
// run `zenctl exec -- zenml` (zenmlstub_e2e_test.go).
const fakeZenmlArg = "zenctl-e2e-fake-zenml"
