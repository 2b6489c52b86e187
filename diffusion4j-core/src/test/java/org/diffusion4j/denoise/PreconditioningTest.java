package org.diffusion4j.denoise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.UnknownNameException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.process.DiscreteSchedule;
import org.diffusion4j.process.VpLinearSchedule;
import org.junit.jupiter.api.Test;

/** The noise labels, and the JSON form with a process that has parameters. */
class PreconditioningTest {

    private static double[] labels(Preconditioning p, double... t) {
        try (NDManager m = Backend.newManager()) {
            return p.noiseLabel(t, m.zeros(new ai.djl.ndarray.types.Shape(1), DataType.FLOAT64)).toDoubleArray();
        }
    }

    @Test
    void everyNoiseLabelIsItsFormula() {
        VpLinearSchedule vp = new VpLinearSchedule();
        double t = 0.3;
        double s = vp.edmSigma(t);
        assertArrayEquals(new double[] {999 * t}, labels(new Preconditioning("vp", "epsilon", 1, false, "time"), t));
        assertArrayEquals(new double[] {249 * t},
                labels(new Preconditioning("vp", "epsilon", 1, false, "time:steps=250"), t));
        assertArrayEquals(new double[] {t}, labels(new Preconditioning("vp", "epsilon", 1, false, "t"), t));
        assertArrayEquals(new double[] {s}, labels(new Preconditioning("vp", "data", 1, false, "sigma"), t), 1e-15);
        assertArrayEquals(new double[] {0.25 * Math.log(s)},
                labels(new Preconditioning("vp", "edm", 1, true, "log-sigma"), t), 1e-15);
        assertArrayEquals(new double[] {Math.log(s / 2)},
                labels(new Preconditioning("vp", "epsilon", 1, false, "log-half-sigma"), t), 1e-15);
        // on a discrete chain, t is the (fractional) timestep index
        Preconditioning chain = new Preconditioning("ddpm-linear:steps=250", "epsilon", 1, false, "t");
        assertEquals(250, ((DiscreteSchedule) chain.schedule()).size());
        assertArrayEquals(new double[] {0, 17.5, 249}, labels(chain, 0, 17.5, 249));
    }

    @Test
    void unknownLabelsAndOptionsAreRefused() {
        UnknownNameException name = assertThrows(UnknownNameException.class,
                () -> new Preconditioning("vp", "epsilon", 1, false, "timestep"));
        assertEquals("unknown noise label 'timestep'; known noise labels: log-sigma, time, log-half-sigma, t, sigma",
                name.getMessage());
        InvalidArgumentException option = assertThrows(InvalidArgumentException.class,
                () -> new Preconditioning("vp", "epsilon", 1, false, "t:steps=3"));
        assertEquals("noise label t has no option steps; it takes no options", option.getMessage());
        InvalidArgumentException steps = assertThrows(InvalidArgumentException.class,
                () -> new Preconditioning("vp", "epsilon", 1, false, "time:steps=1"));
        assertEquals("noise label time: steps must be at least 2, got 1", steps.getMessage());
    }

    @Test
    void jsonKeepsTheProcesssParametersAndTheLabelsOptions() throws Exception {
        ObjectMapper json = new ObjectMapper();
        Preconditioning p = new Preconditioning("vp:beta_min=0.05,beta_max=12", "v", 0.5, true, "time:steps=500");
        String text = json.writeValueAsString(p);
        assertEquals("{\"process\":\"vp:beta_min=0.05,beta_max=12\",\"prediction\":\"v\",\"sigma_data\":0.5,"
                + "\"scale_input\":true,\"noise_label\":\"time:steps=500\"}", text);
        Preconditioning back = json.readValue(text, Preconditioning.class);
        assertEquals(p, back);
        assertEquals(new VpLinearSchedule(0.05, 12), back.schedule());
        // a config written before the options existed reads the same
        assertEquals(new Preconditioning("vp", "epsilon", 1, false, "time"), json.readValue("{\"process\":\"vp\","
                + "\"prediction\":\"epsilon\",\"sigma_data\":1,\"scale_input\":false,\"noise_label\":\"time\"}",
                Preconditioning.class));
    }
}
