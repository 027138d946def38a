# tests/demo/ipc-bench.sh - the ipc-bench stop of `make demo`
# (sourced by tests/demo/run.sh: $SOCKBOX, $DEMO, step, run_shell, wait_port).

echo "ipc-bench passes numbered messages between two processes (or threads) and"
echo "measures it; every message is checked on arrival, in order and whole."
step "What one message costs, by construction, through a pipe and shared memory" \
	sockbox ipc-bench pingpong --explain --mech pipe,shm
step "Round trips through a pipe, a unix socket pair and shared memory (futex wake-ups)" \
	sockbox ipc-bench pingpong --mech pipe,socketpair-stream,shm --sync futex -c 2000
step "The same as two threads of one process: no address space switch" \
	sockbox ipc-bench pingpong --threads --mech pipe,shm --sync futex -c 2000
step "One way, as fast as it goes: 64-byte and 32 KiB messages (udp counts its losses)" \
	sockbox ipc-bench stream --mech pipe,udp,shm --sync sem -s 64,32K -c 2000
step "A race: two workers add 1 ten million times each with no lock, then under a mutex" \
	sockbox ipc-bench lock --mech none,mutex,atomic -c 10000000
echo
echo "# Two workers lock two accounts in opposite orders: a deadlock, found by a"
echo "# timed wait (exit 3); --ordered takes the locks in one order and completes."
printf '$ sockbox ipc-bench lock --deadlock --timeout 0.5\n'
sockbox ipc-bench lock --deadlock --timeout 0.5 || echo "(exit $?)"
step "The same transfers, locks taken in one global order" \
	sockbox ipc-bench lock --ordered
