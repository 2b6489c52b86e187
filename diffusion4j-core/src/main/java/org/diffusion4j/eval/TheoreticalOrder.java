package org.diffusion4j.eval;

import org.diffusion4j.sample.AcceleratedDdim;
import org.diffusion4j.sample.Dpm2;
import org.diffusion4j.sample.Dpm2Ancestral;
import org.diffusion4j.sample.DpmPp2sAncestral;
import org.diffusion4j.sample.DpmPpSde;
import org.diffusion4j.sample.EulerAncestral;
import org.diffusion4j.sample.DpmPp2m;
import org.diffusion4j.sample.DpmPp2mSde;
import org.diffusion4j.sample.DpmPp3mSde;
import org.diffusion4j.sample.Ddim;
import org.diffusion4j.sample.Euler;
import org.diffusion4j.sample.Heun;
import org.diffusion4j.sample.Lms;
import org.diffusion4j.sample.Sampler;
import org.diffusion4j.sample.UniPc;

/**
 * The global order of accuracy that theory gives each deterministic sampler on a smooth problem: the order of the
 * update as implemented, which for k-diffusion's DPM-Solver++(3M) is 2 (see {@link DpmPp3mSde}) and for UniPC with
 * predictor order p is p + 1 (Zhao et al. 2023, Theorem 3.2); the accelerated DDIM of Li et al. (2024) is the
 * second-order one of its title.
 */
final class TheoreticalOrder {
    private TheoreticalOrder() {}

    static double of(Sampler sampler) {
        if (sampler.isStochastic()) {
            return Double.NaN;
        }
        if (sampler instanceof Euler || sampler instanceof Ddim || sampler instanceof EulerAncestral) {
            return 1;
        }
        if (sampler instanceof Heun || sampler instanceof Dpm2 || sampler instanceof DpmPp2m
                || sampler instanceof DpmPp2mSde || sampler instanceof Dpm2Ancestral
                || sampler instanceof DpmPp2sAncestral || sampler instanceof DpmPpSde
                || sampler instanceof AcceleratedDdim) {
            return 2;
        }
        if (sampler instanceof DpmPp3mSde threeM) {
            return threeM.corrected() ? 3 : 2; // k-diffusion's weights make it second order, see DpmPp3mSde
        }
        if (sampler instanceof Lms lms) {
            return lms.order();
        }
        if (sampler instanceof UniPc unipc) {
            return unipc.order() + 1;
        }
        return Double.NaN;
    }
}
