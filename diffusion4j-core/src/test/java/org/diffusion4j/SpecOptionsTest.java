package org.diffusion4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class SpecOptionsTest {

    enum Shade {
        LIGHT, DARK, VERY_DARK
    }

    private static final Map<String, Function<SpecOptions, Shade>> FACTORIES =
            Map.of("paint", o -> o.choice("shade", Shade.class, Shade.LIGHT));

    @Test
    void choicesAreLowerCaseNamesWithHyphens() {
        assertEquals(Shade.LIGHT, SpecOptions.create("brush", "paint", FACTORIES));
        assertEquals(Shade.VERY_DARK, SpecOptions.create("brush", "paint:shade=very-dark", FACTORIES));
        assertEquals(Shade.DARK, SpecOptions.create("brush", "paint:shade=DARK", FACTORIES));
        UnknownNameException e = assertThrows(UnknownNameException.class,
                () -> SpecOptions.create("brush", "paint:shade=very_dark", FACTORIES));
        assertEquals("brush paint: option shade has no value 'very_dark'; it takes light, dark, very-dark",
                e.getMessage());
    }

    @Test
    void enumsByNameListTheKnownNames() {
        assertEquals(Shade.VERY_DARK, SpecOptions.enumByName("shade", "very-dark", Shade.class));
        assertEquals("very-dark", SpecOptions.label(Shade.VERY_DARK));
        assertEquals("unknown shade 'grey'; known shades: light, dark, very-dark",
                assertThrows(UnknownNameException.class, () -> SpecOptions.enumByName("shade", "grey", Shade.class))
                        .getMessage());
        assertEquals("unknown shade 'light'; known shades: dark, very-dark", assertThrows(UnknownNameException.class,
                () -> SpecOptions.enumByName("shade", "light", List.of(Shade.DARK, Shade.VERY_DARK))).getMessage());
    }
}
