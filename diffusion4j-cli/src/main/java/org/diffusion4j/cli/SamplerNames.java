package org.diffusion4j.cli;

import java.util.Iterator;
import org.diffusion4j.sample.SamplerRegistry;

/** The registered sampler names, for help texts and shell completion. */
final class SamplerNames implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
        return SamplerRegistry.names().iterator();
    }
}
