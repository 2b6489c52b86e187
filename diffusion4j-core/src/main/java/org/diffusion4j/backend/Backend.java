package org.diffusion4j.backend;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;

/**
 * Start-up of the array engine (DJL with PyTorch): offline mode, thread counts and seeds are decided here and
 * nowhere else. Every top-level manager of the project comes from {@link #newManager(Device)}.
 */
public final class Backend {
    /** The DJL engine every diffusion4j array lives in. */
    public static final String ENGINE = "PyTorch";

    private Backend() {}

    /**
     * Opens a top-level manager on {@code device}. The engine never downloads anything: the native library comes
     * from the {@code pytorch-native-*} jar on the class path ({@code ai.djl.offline=true} unless set otherwise
     * before the engine starts).
     */
    public static NDManager newManager(Device device) {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        return NDManager.newBaseManager(device, ENGINE);
    }

    /** A manager on the CPU. */
    public static NDManager newManager() {
        return newManager(Device.cpu());
    }

    /**
     * Sets the engine's start-up intra-op and inter-op thread counts. Only effective before the engine's first use;
     * {@link EngineThreads#install} calls it.
     */
    static void configureThreads(int intraOp, int interOp) {
        if (intraOp < 1 || interOp < 1) {
            throw new IllegalArgumentException("thread counts must be at least 1, got " + intraOp + " and " + interOp);
        }
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(intraOp));
        System.setProperty("ai.djl.pytorch.num_interop_threads", Integer.toString(interOp));
    }

    /**
     * Changes the intra-op thread count of the calling thread (OpenMP keeps it per thread); {@link
     * EngineThreads#beforeStep} calls it, so that no step runs with a count its policy did not choose.
     */
    static void setIntraOpThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("thread count must be at least 1, got " + threads);
        }
        Engine.getEngine(ENGINE);
        ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
    }

    /** The intra-op thread count the engine was last set to (by any thread). */
    public static int intraOpThreads() {
        Engine.getEngine(ENGINE);
        return ai.djl.pytorch.jni.JniUtils.getNumThreads();
    }

    /**
     * Seeds the engine's own generator, which only engine-side random operations (dropout) use. The generator is
     * global to the process, so training reseeds it at every step from (seed, step).
     */
    public static void seedEngine(long seed) {
        Engine.getEngine(ENGINE).setRandomSeed((int) (seed ^ (seed >>> 32)));
    }
}
