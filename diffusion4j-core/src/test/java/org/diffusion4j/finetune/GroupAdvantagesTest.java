package org.diffusion4j.finetune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.diffusion4j.InvalidArgumentException;
import org.junit.jupiter.api.Test;

class GroupAdvantagesTest {

    @Test
    void aGroupWithEqualRewardsHasZeroAdvantagesAndTheOtherIsNormalised() {
        double[] a = GroupAdvantages.of(new double[] {0.1, 0.1, 0.1, 1, 2, 3}, 3, false, 5);
        assertArrayEquals(new double[] {0, 0, 0}, java.util.Arrays.copyOf(a, 3), 0.0);
        double std = Math.sqrt(2.0 / 3); // population std of 1, 2, 3
        assertArrayEquals(new double[] {-1 / (std + 1e-4), 0, 1 / (std + 1e-4)},
                java.util.Arrays.copyOfRange(a, 3, 6), 1e-12);
    }

    @Test
    void globalStdUsesEveryRewardOfTheStepAndTheClipBounds() {
        double[] r = {0, 0, 0, 10};
        double[] a = GroupAdvantages.of(r, 2, true, 5);
        double std = Math.sqrt((3 * 6.25 + 56.25) / 4); // mean 2.5
        assertEquals(0, a[0], 0.0);
        assertEquals(-5 / (std + 1e-4), a[2], 1e-12);
        assertEquals(5 / (std + 1e-4), a[3], 1e-12);
        double[] clipped = GroupAdvantages.of(new double[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 10, false, 2);
        assertEquals(2, clipped[9], 0.0, "(1 − 0.1)/0.3 = 3 is clipped to 2");
        assertEquals(-1 / 3.0, clipped[0], 1e-3);
    }

    @Test
    void groupsOfFewerThanTwoAreRefused() {
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                () -> GroupAdvantages.of(new double[] {1, 2}, 1, false, 5));
        assertEquals("a group needs at least 2 samples to compare, got a group size of 1", e.getMessage());
    }
}
