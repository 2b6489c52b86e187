package org.diffusion4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import org.diffusion4j.InvalidArgumentException;
import org.junit.jupiter.api.Test;

/** The preview grid's layout and levels for gray, RGB and other channel counts. */
class PreviewsTest {

    /** Two images of two 2 × 2 channels: each image is its channels as gray panels side by side, zoomed. */
    @Test
    void twoChannelsAreTwoGrayPanels() {
        float[] values = {
            -1, -1, -1, -1, 1, 1, 1, 1, // image 0: channel 0 black, channel 1 white
            0, 0, 0, 0, -1, 1, 1, -1 // image 1: channel 0 mid-gray, channel 1 a checkerboard
        };
        BufferedImage image = Previews.grid(values, 2, 2, 2, 2, 3);
        int cellWidth = 2 * 2 * 3 + 2;
        assertEquals(2 * cellWidth + 2, image.getWidth());
        assertEquals(2 * 3 + 2 + 2, image.getHeight());
        assertEquals(0x000000, pixel(image, 2, 2));
        assertEquals(0x000000, pixel(image, 2 + 5, 2 + 5));
        assertEquals(0xffffff, pixel(image, 2 + 6, 2));
        assertEquals(0xffffff, pixel(image, 2 + 11, 2 + 5));
        int second = 2 + cellWidth;
        int mid = Previews.level(0);
        assertEquals(mid << 16 | mid << 8 | mid, pixel(image, second + 4, 2 + 4));
        assertEquals(0x000000, pixel(image, second + 6, 2), "channel 1, pixel (0, 0)");
        assertEquals(0xffffff, pixel(image, second + 9, 2), "channel 1, pixel (0, 1)");
        assertEquals(0xffffff, pixel(image, second + 6, 2 + 3), "channel 1, pixel (1, 0)");
        assertEquals(0x000000, pixel(image, second + 9, 2 + 3), "channel 1, pixel (1, 1)");
        assertEquals(0xffffff, pixel(image, second - 1, 2), "the gap between cells is white");
    }

    /** Three channels are one RGB panel; one channel one gray panel. */
    @Test
    void threeChannelsAreColourAndOneIsGray() {
        BufferedImage rgb = Previews.grid(new float[] {1, -1, -1}, 1, 3, 1, 1, 1);
        assertEquals(5, rgb.getWidth());
        assertEquals(0xff0000, pixel(rgb, 2, 2));
        BufferedImage one = Previews.grid(new float[] {1}, 1, 1, 1, 1, 1);
        assertEquals(5, one.getWidth());
        assertEquals(0xffffff, pixel(one, 2, 2));
    }

    @Test
    void refusesValuesThatAreNotTheImages() {
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                () -> Previews.grid(new float[7], 2, 1, 2, 2, 1));
        assertEquals("an image grid of 2 images of 1 × 2 × 2 needs 8 values, got 7", e.getMessage());
        e = assertThrows(InvalidArgumentException.class, () -> Previews.grid(new float[0], 1, 0, 2, 1, 1));
        assertEquals("an image grid needs at least 1 channel, got 0", e.getMessage());
    }

    private static int pixel(BufferedImage image, int x, int y) {
        return image.getRGB(x, y) & 0xffffff;
    }
}
