// The teaching page's only script: the number beside each slider follows
// the slider, and "▶ play" steps through the years' village maps.
document.querySelectorAll('form input[type=range]').forEach(function (slider) {
  slider.addEventListener('input', function () {
    slider.nextElementSibling.value = slider.value;
  });
});
var play = document.getElementById('play');
if (play) {
  play.addEventListener('click', function () {
    var years = document.querySelectorAll('.stepper input');
    var k = 0;
    var timer = setInterval(function () {
      years[k].checked = true;
      k++;
      if (k >= years.length) clearInterval(timer);
    }, 700);
  });
}
