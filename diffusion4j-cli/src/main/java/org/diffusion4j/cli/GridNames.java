package org.diffusion4j.cli;

import java.util.Iterator;
import org.diffusion4j.grid.GridSpecs;

/** The grid rule names, for help texts and shell completion. */
final class GridNames implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
        return GridSpecs.NAMES.iterator();
    }
}
