namespace rcemu { int placeholder() { return 0; } }
