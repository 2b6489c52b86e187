package org.diffusion4j.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a list of sampler specs. Specs are separated by ';', or by ',' where the next piece is not a
 * {@code key=value} option: options always contain '=', so {@code euler,heun:s_churn=1,s_tmin=0,dpm2} is three
 * specs.
 */
final class SamplerSpecs {
    private SamplerSpecs() {}

    static List<String> split(String text) {
        List<String> specs = new ArrayList<>();
        for (String group : text.split(";")) {
            StringBuilder current = new StringBuilder();
            for (String part : group.split(",")) {
                String token = part.trim();
                if (token.isEmpty()) {
                    continue;
                }
                boolean option = token.contains("=") && !token.contains(":");
                if (current.length() > 0 && !option) {
                    specs.add(current.toString());
                    current.setLength(0);
                }
                if (current.length() > 0) {
                    current.append(',');
                }
                current.append(token);
            }
            if (current.length() > 0) {
                specs.add(current.toString());
            }
        }
        return specs;
    }
}
