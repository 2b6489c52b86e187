package org.diffusion4j.cli;

import ai.djl.ndarray.types.DataType;
import java.util.List;
import org.diffusion4j.SpecOptions;
import org.diffusion4j.sample.NoiseKind;

/** Parses the value names the command line accepts. */
final class DataTypes {
    private DataTypes() {}

    static DataType parse(String name) {
        return SpecOptions.enumByName("dtype", name, List.of(DataType.FLOAT32, DataType.FLOAT64));
    }

    static NoiseKind noiseKind(String name) {
        return SpecOptions.enumByName("noise kind", name, NoiseKind.class);
    }
}
