package org.diffusion4j.cli;

import java.util.Iterator;
import org.diffusion4j.train.Presets;

/** The preset names, for help texts and shell completion. */
final class PresetNames implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
        return Presets.NAMES.iterator();
    }
}
