package dev.atomkv.it;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console page in Debian's headless Chromium, driven through its chromium-driver (both from
 * apt, installed by make test; Selenium never downloads a driver or a browser here). Holds the
 * steps the browser tests share.
 */
final class ConsolePage implements AutoCloseable {
  static final String CHROMIUM = "/usr/bin/chromium";
  static final String CHROMEDRIVER = "/usr/bin/chromedriver";
  /** Where screenshots of failed tests go. */
  static final Path SCREENSHOTS = Path.of("target", "console-screenshots");

  private final ChromeDriver driver;
  private final Path profile;
  private final WebDriverWait wait;
  private final String base;

  ConsolePage(int port) throws IOException {
    for (String binary : List.of(CHROMIUM, CHROMEDRIVER)) {
      if (!new File(binary).canExecute()) {
        throw new IllegalStateException(binary + " is missing: make browser-deps installs "
            + "Debian's chromium and chromium-driver");
      }
    }
    profile = Files.createTempDirectory("atomkv-chromium");
    ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM).addArguments(
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        // Without these Chromium waits on network services this machine cannot reach.
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1280,860", "--user-data-dir=" + profile);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
    driver = new ChromeDriver(service, options);
    wait = new WebDriverWait(driver, Duration.ofSeconds(10));
    // The page re-renders its table as answers arrive: an element found a moment ago may be gone.
    wait.ignoring(StaleElementReferenceException.class);
    base = "http://127.0.0.1:" + port + "/";
  }

  ChromeDriver driver() {
    return driver;
  }

  /** Opens the console afresh and signs in with {@code token} (empty for none). */
  void open(String token) {
    driver.get(base);
    WebElement field = byId("token");
    field.clear();
    field.sendKeys(token);
    int before = pages();
    byId("token-save").click();
    if (!token.isEmpty() && !token.startsWith("wrong")) {
      waitForPageAfter(before);
    }
  }

  /** Lists {@code prefix} (Deno's notation), {@code size} entries a page. */
  void browse(String prefix, int size) {
    setValue("prefix-input", prefix);
    setValue("page-size", String.valueOf(size));
    int before = pages();
    byId("prefix-go").click();
    waitForPageAfter(before);
  }

  /** Clicks a control that shows another page, and waits for it. */
  void clickAndWaitForPage(String id) {
    int before = pages();
    byId(id).click();
    waitForPageAfter(before);
  }

  void setValue(String id, String value) {
    WebElement e = byId(id);
    e.clear();
    e.sendKeys(value);
  }

  /** The keys of the rows shown (Deno's notation), folders as their prefix. */
  List<String> rowKeys() {
    return keysOf("#entries tbody tr[data-key]");
  }

  List<String> folderKeys() {
    return keysOf("#entries tbody tr.folder");
  }

  /** Read in the page in one step, so that a re-render cannot leave a stale element behind. */
  @SuppressWarnings("unchecked")
  private List<String> keysOf(String selector) {
    return (List<String>) ((JavascriptExecutor) driver).executeScript(
        "return [...document.querySelectorAll(arguments[0])].map(r => r.getAttribute('data-key'))",
        selector);
  }

  /** Opens the row of {@code key} in the detail panel. */
  void openRow(String key) {
    wait.until(d -> {
      row(key).click();
      return true;
    });
    wait.until(d -> byId("detail-key").getText().equals(key));
  }

  WebElement row(String key) {
    return driver.findElements(By.cssSelector("#entries tbody tr[data-key]")).stream()
        .filter(r -> key.equals(r.getAttribute("data-key"))).findFirst()
        .orElseThrow(() -> new AssertionError("no row " + key + " in " + rowKeys()));
  }

  WebElement byId(String id) {
    return driver.findElement(By.id(id));
  }

  /** Waits until the element's text contains {@code text}; returns the text. */
  String waitForText(String id, String text) {
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id(id), text));
    return byId(id).getText();
  }

  void waitUntil(java.util.function.Function<WebDriver, Boolean> condition) {
    wait.until(condition);
  }

  private int pages() {
    String n = driver.findElement(By.tagName("body")).getAttribute("data-pages");
    return n == null ? 0 : Integer.parseInt(n);
  }

  private void waitForPageAfter(int before) {
    wait.until(d -> pages() > before);
  }

  /** Saves what the browser shows as a PNG. */
  void screenshot(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), file,
        StandardCopyOption.REPLACE_EXISTING);
  }

  @Override
  public void close() throws IOException {
    driver.quit();
    try (var files = Files.walk(profile)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** Saves a screenshot of each failed test under {@link #SCREENSHOTS}. */
  static final class ScreenshotOnFailure implements TestWatcher {
    private final java.util.function.Supplier<ConsolePage> page;

    ScreenshotOnFailure(java.util.function.Supplier<ConsolePage> page) {
      this.page = page;
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
      ConsolePage p = page.get();
      if (p == null) {
        return;
      }
      try {
        p.screenshot(SCREENSHOTS.resolve(context.getRequiredTestMethod().getName() + ".png"));
      } catch (IOException | RuntimeException e) {
        cause.addSuppressed(e);
      }
    }
  }
}
