"""\"Read and understood\" campaigns: staff confirm they have read a policy version (issue 15)."""
