package org.diffusion4j.serve;

import java.util.Objects;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.generate.Generator;

/**
 * A model the server offers: the name requests use, the generator, and where it came from (for listings).
 *
 * @param name the name in requests, e.g. {@code bundled:mnist-edm}
 * @param generator the model, already loaded
 * @param source where it was loaded from (a run directory, a file, a bundled name)
 */
public record ServedModel(String name, Generator generator, String source) {

    public ServedModel {
        Objects.requireNonNull(generator, "generator");
        if (name == null || name.isBlank()) {
            throw new InvalidArgumentException("a served model needs a name");
        }
        source = source == null ? name : source;
    }

    /** Whether the samples are images (channels, height, width) with 1 or 3 channels, so a PNG grid can show them. */
    public boolean images() {
        var shape = generator.sampleShape();
        return shape.dimension() == 3 && (shape.get(0) == 1 || shape.get(0) == 3) && shape.get(1) == shape.get(2);
    }
}
