package org.diffusion4j.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDManager;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.OptionalDouble;
import org.diffusion4j.InvalidArgumentException;
import org.junit.jupiter.api.Test;

/** The engine's thread policies: parsing, the load reading, the load-aware choice, and where they are applied. */
class ThreadPolicyTest {

    private static final String SELF = "4242 (java (main) x) S 1 4242 4242 0 -1 4194560 51 0 0 0 %d %d 0 0 20 0 "
            + "27 0 1234 5678 910 0";

    private static String machine(long user, long system, long idle) {
        return "cpu  " + user + " 7 " + system + " " + idle + " 3 0 2 0 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n";
    }

    @Test
    void parsesAutoAndCounts() {
        assertEquals(new ThreadPolicy.Fixed(3), ThreadPolicy.parse("3", 2));
        assertEquals(new ThreadPolicy.Fixed(1), ThreadPolicy.parse(" 1 ", 8));
        ThreadPolicy auto = ThreadPolicy.parse("auto", 6);
        assertEquals(6, auto.maxThreads());
        if (CpuLoad.available()) {
            assertInstanceOf(ThreadPolicy.LoadAware.class, auto);
        }
        assertEquals("threads: expected 'auto' or at least 1, got 0",
                assertThrows(InvalidArgumentException.class, () -> ThreadPolicy.parse("0", 2)).getMessage());
        assertEquals("threads: expected 'auto' or a positive whole number, got 'many'",
                assertThrows(InvalidArgumentException.class, () -> ThreadPolicy.parse("many", 2)).getMessage());
    }

    @Test
    void readsProcFilesWhateverTheCommandName() {
        CpuLoad.Ticks t = CpuLoad.ticks(machine(100, 50, 1000), String.format(SELF, 30, 12));
        assertEquals(100 + 7 + 50 + 0 + 2 + 0, t.busy());
        assertEquals(159 + 1000 + 3, t.total());
        assertEquals(42, t.own());
        assertThrows(IllegalStateException.class, () -> CpuLoad.ticks("intr 1 2 3", String.format(SELF, 1, 1)));
    }

    /** Two cores, 2 s between readings (200 ticks per core): others used (busy − own) ticks of 400. */
    @Test
    void othersBusyCoresIsBusyMinusOwnOverWallTime() {
        Deque<String> machines = new ArrayDeque<>(List.of(machine(1000, 0, 1000), machine(1300, 0, 1100)));
        Deque<String> selves = new ArrayDeque<>(List.of(String.format(SELF, 500, 0), String.format(SELF, 600, 0)));
        CpuLoad load = new CpuLoad(machines::pop, selves::pop, 2);
        assertTrue(load.othersBusyCores().isEmpty(), "no interval before the second reading");
        // Δbusy 300, Δown 100, Δtotal 400 → 200 ticks per core: others kept (300 − 100)/200 = 1.0 core busy
        assertEquals(1.0, load.othersBusyCores().getAsDouble(), 1e-12);
    }

    @Test
    void threadsAreTheFreeCoresRounded() {
        assertEquals(2, ThreadPolicy.LoadAware.threadsFor(0.0, 2, 2));
        assertEquals(2, ThreadPolicy.LoadAware.threadsFor(0.45, 2, 2));
        assertEquals(1, ThreadPolicy.LoadAware.threadsFor(0.6, 2, 2));
        assertEquals(1, ThreadPolicy.LoadAware.threadsFor(2.0, 2, 2));
        assertEquals(1, ThreadPolicy.LoadAware.threadsFor(5.0, 2, 2));
        assertEquals(5, ThreadPolicy.LoadAware.threadsFor(3.0, 8, 8));
        assertEquals(4, ThreadPolicy.LoadAware.threadsFor(0.0, 8, 4));
    }

    /** The policy follows the readings it is given, and keeps its choice when an interval has no reading. */
    @Test
    void loadAwareFollowsTheLoad() {
        Deque<OptionalDouble> readings = new ArrayDeque<>(List.of(OptionalDouble.empty(), OptionalDouble.of(0.1),
                OptionalDouble.of(1.7), OptionalDouble.empty(), OptionalDouble.of(0.2)));
        List<Integer> chosen = new ArrayList<>();
        ThreadPolicy.LoadAware policy = new ThreadPolicy.LoadAware(2, 2, 0, readings::pop);
        for (int i = 0; i < 4; i++) {
            chosen.add(policy.threadsForNextStep());
        }
        assertEquals(List.of(2, 1, 1, 2), chosen);
        assertTrue(readings.isEmpty());
    }

    /** Two busy processes beside this one: the reading of /proc sees about two cores busy elsewhere. */
    @Test
    void seesOtherProcessesKeepingTheCoresBusy() throws Exception {
        assumeTrue(CpuLoad.available(), "no /proc on this machine");
        int cores = Runtime.getRuntime().availableProcessors();
        int busy = Math.min(2, cores);
        List<Process> loads = new ArrayList<>();
        try {
            for (int i = 0; i < busy; i++) {
                loads.add(new ProcessBuilder("sh", "-c", "while :; do :; done").start());
            }
            CpuLoad load = CpuLoad.ofProc();
            Thread.sleep(300);
            load.othersBusyCores();
            Thread.sleep(1000);
            double others = load.othersBusyCores().getAsDouble();
            // this JVM's own threads (GC, JIT) share the cores too, so the busy processes get somewhat less than
            // all of theirs (1.49 of 2 measured once on CI): ask for clearly more than half
            assertTrue(others > 0.5 * busy, busy + " busy processes, but the reading says " + others + " cores");
            assertEquals(1, ThreadPolicy.LoadAware.threadsFor(others, busy, busy));
        } finally {
            loads.forEach(Process::destroyForcibly);
        }
    }

    /** A step applies the policy to the thread that runs it; a scoped policy wins over the process's, then goes. */
    @Test
    void stepsApplyThePolicyOnTheirThread() {
        try (NDManager manager = Backend.newManager()) {
            int outside = EngineThreads.using(new ThreadPolicy.Fixed(2), () -> {
                EngineThreads.using(new ThreadPolicy.Fixed(1), () -> {
                    try (StepScope step = StepScope.open(manager)) {
                        assertEquals(1, EngineThreads.appliedToThisThread());
                        assertEquals(1, Backend.intraOpThreads());
                    }
                    return null;
                });
                try (StepScope step = StepScope.open(manager)) {
                    return EngineThreads.appliedToThisThread();
                }
            });
            assertEquals(2, outside);
        }
    }
}
