package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"nabij/models"
)

// screenshotDir keeps what the browser tests saw, for a person to look at after a run.
const screenshotDir = "testdata/screenshots"

// liveServer serves the real app on a loopback port, as `go run ./server` does.
func liveServer(t *testing.T) (string, *app) {
	t.Helper()
	f, a := newTestApp(t)
	a.live.Start(context.Background())
	ln := listenLocal(t)
	go f.Listener(ln)
	t.Cleanup(func() { f.Shutdown(); a.live.Close() })
	return "http://" + ln.Addr().String(), a
}

// newChromium starts Debian's headless Chromium with a window of the given size and collects
// every console error, uncaught exception and browser log error (CSP violations among them).
func newChromium(t *testing.T, width, height int) (context.Context, func() []string, *bytes.Buffer) {
	t.Helper()
	// Not t.TempDir: Chromium may still write to its profile while the test cleans up.
	output := &bytes.Buffer{} // Chromium's own messages, shown when it dies
	profile, err := os.MkdirTemp("", "nabij-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath("/usr/bin/chromium"),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(width, height),
		chromedp.UserDataDir(profile),
		chromedp.CombinedOutput(output),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc(); os.RemoveAll(profile) })

	var mu sync.Mutex
	var problems []string
	chromedp.ListenTarget(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.APITypeError {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value))
				}
				problems = append(problems, "console.error: "+strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Error())
		case *log.EventEntryAdded:
			if e.Entry.Level == log.LevelError {
				problems = append(problems, "log: "+e.Entry.Text+" "+e.Entry.URL)
			}
		}
	})
	if err := chromedp.Run(ctx, log.Enable(), runtime.Enable(), chromedp.EmulateViewport(int64(width), int64(height))); err != nil {
		t.Fatalf("start chromium: %v\n%s", err, output)
	}
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), problems...)
	}, output
}

func screenshot(name string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var buf []byte
		if err := chromedp.FullScreenshot(&buf, 100).Do(ctx); err != nil {
			return err
		}
		if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(screenshotDir, name+".png"), buf, 0o644)
	})
}

// TestBrowserSignUpSignOutSignInAndOpenTheNeighbourhood walks a new resident's first visit on a
// phone-sized and a desktop screen, and fails on any console error.
func TestBrowserSignUpSignOutSignInAndOpenTheNeighbourhood(t *testing.T) {
	// Not parallel, and the two screens one after the other: Chromium beside dozens of parallel
	// tests on a 2-core machine was seen to die mid-run.
	for _, size := range []struct {
		name          string
		width, height int
	}{{"phone", 360, 740}, {"desktop", 1280, 800}} {
		t.Run(size.name, func(t *testing.T) {
			base, a := liveServer(t)
			hood, err := models.CreateNeighbourhood(context.Background(), a.db.Gorm, models.NeighbourhoodInput{
				Name: ptr("Rabot"), Municipality: ptr("Gent"), Description: ptr("Wijk rond de Rabottorens.")})
			if err != nil {
				t.Fatal(err)
			}
			ctx, problems, output := newChromium(t, size.width, size.height)
			shot := func(step string) chromedp.Action { return screenshot(size.name + "-" + step) }
			var title, hoodText string
			var scrollWidth, innerWidth int
			err = chromedp.Run(ctx,
				chromedp.Navigate(base+"/signup"),
				chromedp.WaitVisible(`#f-display_name`, chromedp.ByQuery),
				shot("1-signup"),
				chromedp.SendKeys(`#f-display_name`, "Fatima", chromedp.ByQuery),
				chromedp.SendKeys(`#f-username`, "fatima", chromedp.ByQuery),
				chromedp.SendKeys(`#f-password`, "zonnebloem in de tuin", chromedp.ByQuery),
				chromedp.SetValue(`#f-neighbourhood_id`, fmt.Sprint(hood.ID), chromedp.ByQuery),
				chromedp.Submit(`#f-display_name`, chromedp.ByQuery),
				// The sign-up page has an h1 too: wait for a page only a signed-in person sees.
				chromedp.WaitVisible(`header form[action="/signout"]`, chromedp.ByQuery),
				chromedp.Location(&title),
				shot("2-after-signup"),
				chromedp.Click(`form[action="/signout"] button`, chromedp.ByQuery),
				chromedp.WaitVisible(`a[href="/signin"]`, chromedp.ByQuery),
				chromedp.Navigate(base+"/signin"),
				chromedp.WaitVisible(`#f-identifier`, chromedp.ByQuery),
				chromedp.SendKeys(`#f-identifier`, "fatima", chromedp.ByQuery),
				chromedp.SendKeys(`#f-password`, "zonnebloem in de tuin", chromedp.ByQuery),
				shot("3-signin"),
				chromedp.Submit(`#f-identifier`, chromedp.ByQuery),
				chromedp.WaitVisible(`form[action="/signout"]`, chromedp.ByQuery),
				chromedp.Navigate(fmt.Sprintf("%s/neighbourhoods/%d", base, hood.ID)),
				chromedp.WaitVisible(`main h1`, chromedp.ByQuery),
				chromedp.WaitVisible(`header form[action="/signout"]`, chromedp.ByQuery),
				chromedp.Text(`main`, &hoodText, chromedp.ByQuery),
				chromedp.Evaluate(`document.documentElement.scrollWidth`, &scrollWidth),
				chromedp.Evaluate(`window.innerWidth`, &innerWidth),
				shot("4-neighbourhood"),
			)
			if err != nil {
				t.Fatalf("browser: %v (screenshots in server/%s)\nChromium said:\n%s", err, screenshotDir, tail(output.String(), 3000))
			}
			if !strings.Contains(title, fmt.Sprintf("/neighbourhoods/%d", hood.ID)) {
				t.Errorf("after sign-up the resident landed on %s, not their neighbourhood", title)
			}
			if !strings.Contains(hoodText, "Rabot") || !strings.Contains(hoodText, "Rabottorens") {
				t.Errorf("neighbourhood page shows %q", hoodText)
			}
			if scrollWidth > innerWidth {
				t.Errorf("page is %dpx wide on a %dpx screen: people must scroll sideways", scrollWidth, innerWidth)
			}
			if p := problems(); len(p) > 0 {
				t.Errorf("browser reported errors:\n%s", strings.Join(p, "\n"))
			}
		})
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// demoSignIn signs in as a demo person through the sign-in form.
func demoSignIn(base, who string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Navigate(base + "/signin"),
		chromedp.WaitVisible(`#f-identifier`, chromedp.ByQuery),
		chromedp.SendKeys(`#f-identifier`, who, chromedp.ByQuery),
		chromedp.SendKeys(`#f-password`, demoPassword, chromedp.ByQuery),
		chromedp.Submit(`#f-identifier`, chromedp.ByQuery),
		chromedp.WaitVisible(`header form[action="/signout"]`, chromedp.ByQuery),
	}
}

// widthCheck notes in widths when the page is wider than the screen (sideways scrolling on a
// phone).
func widthCheck(widths *[]string, page string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var sw, iw int
		if err := chromedp.Evaluate(`document.documentElement.scrollWidth`, &sw).Do(ctx); err != nil {
			return err
		}
		if err := chromedp.Evaluate(`window.innerWidth`, &iw).Do(ctx); err != nil {
			return err
		}
		if sw > iw {
			*widths = append(*widths, fmt.Sprintf("%s is %dpx wide on a %dpx screen", page, sw, iw))
		}
		return nil
	})
}
