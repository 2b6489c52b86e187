package org.diffusion4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.train.TrainedModel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web page end to end in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, driven
 * by Selenium through the system chromedriver; Selenium Manager never runs): load the page, ask for a grid of the
 * bundled MNIST model, see the progress and the image arrive. Skipped, with a message, only when no browser is
 * installed. With {@code -Dd4j.screenshot=FILE.png} it also saves a screenshot of the page with a 16-sample grid.
 */
class BrowserTest {
    private static final Path CHROMIUM = Path.of(System.getProperty("d4j.chromium", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Path.of(System.getProperty("d4j.chromedriver", "/usr/bin/chromedriver"));

    @Test
    void pageGeneratesAGrid(@TempDir Path profile) throws IOException {
        boolean browser = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        String skipped = "BrowserTest skipped: no Chromium at " + CHROMIUM + " or no chromedriver at " + CHROMEDRIVER
                + " (apt-get install chromium chromium-driver; .ci/run installs them)";
        if (!browser) {
            System.err.println(skipped);
        }
        Assumptions.assumeTrue(browser, skipped);
        String screenshot = System.getProperty("d4j.screenshot");
        try (NDManager manager = Backend.newManager();
                DiffusionServer server = DiffusionServer.start(List.of(new ServedModel("bundled:mnist-edm",
                        TrainedModel.bundled("mnist-edm", manager).generator(), "bundled"), TestModels.mixture()),
                        ServeConfig.loopback(0))) {
            ChromeOptions options = new ChromeOptions();
            options.setBinary(CHROMIUM.toFile());
            options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=900,860", "--user-data-dir=" + profile);
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
            WebDriver driver = new ChromeDriver(service, options);
            try {
                driver.get("http://127.0.0.1:" + server.port() + "/");
                WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(20));
                wait.until(d -> d.findElements(By.cssSelector("#model option")).size() == 2);
                Select model = new Select(driver.findElement(By.id("model")));
                assertEquals("bundled:mnist-edm", model.getFirstSelectedOption().getAttribute("value"));
                assertTrue(new Select(driver.findElement(By.id("sampler"))).getOptions().size() > 10);
                assertEquals(11, new Select(driver.findElement(By.id("class"))).getOptions().size());
                if (screenshot == null) {
                    new Select(driver.findElement(By.id("sampler"))).selectByValue("euler");
                    type(driver, "steps", "6");
                    type(driver, "n", "4");
                }
                type(driver, "seed", "7");
                driver.findElement(By.id("generate")).click();
                List<String> seen = new ArrayList<>();
                new WebDriverWait(driver, Duration.ofSeconds(120)).pollingEvery(Duration.ofMillis(50)).until(d -> {
                    seen.add(d.findElement(By.id("status")).getText());
                    String last = seen.get(seen.size() - 1);
                    return last.startsWith("done: ") || last.startsWith("error");
                });
                WebElement grid = driver.findElement(By.id("grid"));
                assertTrue(grid.isDisplayed(), "the grid is not shown");
                long width = ((Number) ((JavascriptExecutor) driver).executeScript(
                        "return arguments[0].naturalWidth;", grid)).longValue();
                int n = screenshot == null ? 4 : 16;
                int columns = Math.min(n, 8);
                assertEquals(columns * (28 * 2 + 2) + 2, width, "the grid image of " + n + " samples");
                String status = driver.findElement(By.id("status")).getText();
                assertTrue(status.startsWith("done: " + n + " samples"), status);
                assertTrue(seen.stream().anyMatch(s -> s.startsWith("queued") || s.startsWith("running")),
                        "no progress was shown: " + seen);
                assertEquals("1", driver.findElement(By.id("progress")).getAttribute("value"));
                WebElement download = driver.findElement(By.id("download"));
                assertTrue(download.isDisplayed() && download.getAttribute("href").startsWith("blob:"),
                        download.getAttribute("href"));
                if (screenshot != null) {
                    File shot = ((org.openqa.selenium.TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
                    Files.copy(shot.toPath(), Path.of(screenshot), StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                driver.quit();
            }
        }
    }

    private static void type(WebDriver driver, String id, String value) {
        WebElement field = driver.findElement(By.id(id));
        field.clear();
        field.sendKeys(value);
    }
}
