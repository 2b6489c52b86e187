package org.diffusion4j.sample;

import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.degradation.Degradation;
import org.diffusion4j.degradation.Identity;
import org.diffusion4j.denoise.Preconditioning;
import org.diffusion4j.process.NoiseSchedule;

/**
 * What a few samplers need to know about the model besides its EDM-view denoiser: the process's schedule, for
 * samplers stated in the process's own time (SiT's SDE and its diffusion coefficient w(t)), and the degradation the
 * model was trained on, which only {@link RdSampler} inverts.
 *
 * @param schedule the model's process, or null when unknown
 * @param degradation the model's corruption ({@link Identity} for the Gaussian process)
 */
public record SamplingContext(NoiseSchedule schedule, Degradation degradation) {

    /** Nothing known: a Gaussian model of an unnamed process. */
    public static final SamplingContext NONE = new SamplingContext(null, new Identity());

    /** A Gaussian model of {@code schedule}. */
    public static SamplingContext of(NoiseSchedule schedule) {
        return new SamplingContext(schedule, new Identity());
    }

    /** The process and degradation of a trained model. */
    public static SamplingContext of(Preconditioning preconditioning) {
        return new SamplingContext(preconditioning.schedule(), preconditioning.degradationOperator());
    }

    /** The schedule, for sampler {@code name}, which cannot run without it. */
    NoiseSchedule requireSchedule(String name) {
        if (schedule == null) {
            throw new InvalidArgumentException("sampler " + name + " works in the process's own time and needs the "
                    + "model's process (a trained model, or --process for a mixture)");
        }
        return schedule;
    }
}
