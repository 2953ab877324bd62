// Runs every benchmark under bench/ in turn; each prints ratios against a baseline measured in the same run.
export {}
