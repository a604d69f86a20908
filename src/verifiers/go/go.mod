module linkgateway.local/verifier

go 1.19
