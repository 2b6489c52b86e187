package org.diffusion4j.cli;

import ai.djl.ndarray.types.DataType;
import java.util.List;
import org.diffusion4j.UnknownNameException;
import org.diffusion4j.sample.NoiseKind;

/** Parses the value names the command line accepts. */
final class DataTypes {
    private DataTypes() {}

    static DataType parse(String name) {
        switch (name) {
            case "float32":
                return DataType.FLOAT32;
            case "float64":
                return DataType.FLOAT64;
            default:
                throw new UnknownNameException("dtype", name, List.of("float32", "float64"));
        }
    }

    static NoiseKind noiseKind(String name) {
        switch (name) {
            case "gaussian":
                return NoiseKind.GAUSSIAN;
            case "brownian":
                return NoiseKind.BROWNIAN;
            default:
                throw new UnknownNameException("noise kind", name, List.of("gaussian", "brownian"));
        }
    }
}
